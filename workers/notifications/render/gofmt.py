"""Go's ``fmt`` package for template values: print.go's printer (Sprint, Sprintln, %v of
maps and slices, bad-verb notations) and format.go's flags, padding and verbs; :mod:`goprintf`
walks Sprintf's format string over the same printer.

Templates print everything through fmt, so ``1234567.0`` must become ``1.234567e+06``, maps
``map[a:1]`` with sorted keys and slices ``[1 b]``; printf's bad-verb and missing-argument
notations (``%!d(string=hi)``) are reproduced as well.
"""

from __future__ import annotations

from typing import Any

from .goquote import can_backquote, format_float, is_print, quote, quote_rune
from .gostr import to_bytes
from .values import NO_VALUE, NilMap, Uint8, type_name

_UINT64 = (1 << 64) - 1
_MAX_RUNE = 0x10FFFF


class Flags:
    """The current verb's flags, width and precision (format.go's fmtFlags, wid and prec)."""

    __slots__ = ("minus", "plus", "plus_v", "prec", "sharp", "sharp_v", "space", "wid", "zero")

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.plus = self.minus = self.sharp = self.space = self.zero = False
        self.plus_v = self.sharp_v = False
        self.wid: int | None = None
        self.prec: int | None = None


class Printer:
    """One formatting run: Go's ``pp`` (a buffer, printing by type) and its ``fmt`` (the
    current verb's flags, padding and the verbs themselves) in one class."""

    def __init__(self) -> None:
        self.buf: list[str] = []
        self.f = Flags()

    # -- padding -----------------------------------------------------------------------------
    def _padding(self, n: int) -> str:
        if n <= 0:
            return ""
        return ("0" if self.f.zero and not self.f.minus else " ") * n

    def pad(self, s: str) -> None:
        f = self.f
        if not f.wid:
            self.buf.append(s)
            return
        width = f.wid - len(s)
        if f.minus:
            self.buf.append(s + self._padding(width))
        else:
            self.buf.append(self._padding(width) + s)

    # -- strings -----------------------------------------------------------------------------
    def fmt_string(self, v: str, verb: str) -> None:
        f = self.f
        if verb == "v":
            self._fmt_q(v) if f.sharp_v else self._fmt_s(v)
        elif verb == "s":
            self._fmt_s(v)
        elif verb in "xX":
            self._fmt_sx(v, verb)
        elif verb == "q":
            self._fmt_q(v)
        else:
            self.bad_verb(verb, v)

    def _truncate(self, s: str) -> str:
        if self.f.prec is not None:
            return s[: self.f.prec]
        return s

    def _fmt_s(self, s: str) -> None:
        self.pad(self._truncate(s))

    def _fmt_q(self, s: str) -> None:
        s = self._truncate(s)
        if self.f.sharp and can_backquote(s):
            self.pad("`" + s + "`")
        else:
            self.pad(quote(s, ascii_only=self.f.plus))

    def _fmt_sx(self, s: str, verb: str) -> None:
        f = self.f
        data = to_bytes(s)
        if f.prec is not None and f.prec < len(data):
            data = data[: f.prec]
        if not data:
            if f.wid is not None:
                self.buf.append(self._padding(f.wid))
            return
        digits = "0123456789ABCDEFX" if verb == "X" else "0123456789abcdefx"
        parts = []
        for c in data:
            item = digits[c >> 4] + digits[c & 15]
            if f.space and f.sharp:
                item = "0" + digits[16] + item
            parts.append(item)
        out = (" " if f.space else "").join(parts)
        if f.sharp and not f.space:
            out = "0" + digits[16] + out
        self.pad(out)

    # -- numbers -----------------------------------------------------------------------------
    def fmt_bool(self, v: bool, verb: str) -> None:
        if verb in "tv":
            self.pad("true" if v else "false")
        else:
            self.bad_verb(verb, v)

    def fmt_integer(self, v: int, signed: bool, verb: str) -> None:
        f = self.f
        if verb == "v":
            if f.sharp_v and not signed:
                self._fmt_int(v, 16, "x", sharp=True)
            else:
                self._fmt_int(v, 10, verb)
        elif verb == "d":
            self._fmt_int(v, 10, verb)
        elif verb == "b":
            self._fmt_int(v, 2, verb)
        elif verb in "oO":
            self._fmt_int(v, 8, verb)
        elif verb in "xX":
            self._fmt_int(v, 16, verb)
        elif verb == "c":
            self.pad(chr(v) if 0 <= v <= 0x10FFFF and not 0xD800 <= v <= 0xDFFF else "\ufffd")
        elif verb == "q":
            # fmtQc gets uint64(v): a negative value is beyond MaxRune, so it quotes U+FFFD.
            self.pad(quote_rune(v if 0 <= v <= _MAX_RUNE else 0xFFFD, ascii_only=f.plus))
        elif verb == "U":
            self._fmt_unicode(v & _UINT64)
        else:
            self.bad_verb(verb, v)

    def _fmt_int(self, v: int, base: int, verb: str, sharp: bool | None = None) -> None:
        f = self.f
        sharp = f.sharp if sharp is None else sharp
        negative = v < 0
        u = -v if negative else v
        prec = 0
        if f.prec is not None:
            prec = f.prec
            if prec == 0 and u == 0:
                zero, f.zero = f.zero, False
                self.buf.append(self._padding(f.wid or 0))
                f.zero = zero
                return
        elif f.zero and not f.minus and f.wid is not None:
            prec = f.wid
            if negative or f.plus or f.space:
                prec -= 1
        digits = {10: "{:d}", 16: "{:x}", 8: "{:o}", 2: "{:b}"}[base].format(u)
        if verb == "X":
            digits = digits.upper()
        digits = digits.rjust(prec, "0")
        if sharp:
            if base == 2:
                digits = "0b" + digits
            elif base == 8 and digits[0] != "0":
                digits = "0" + digits
            elif base == 16:
                digits = ("0X" if verb == "X" else "0x") + digits
        if verb == "O":
            digits = "0o" + digits
        if negative:
            digits = "-" + digits
        elif f.plus:
            digits = "+" + digits
        elif f.space:
            digits = " " + digits
        zero, f.zero = f.zero, False
        self.pad(digits)
        f.zero = zero

    def _fmt_unicode(self, u: int) -> None:
        """fmtUnicode(u uint64): callers pass uint64(v), so -1 prints as U+FFFFFFFFFFFFFFFF."""
        f = self.f
        prec = 4 if f.prec is None or f.prec <= 4 else f.prec
        s = "U+" + f"{u:X}".rjust(prec, "0")
        if f.sharp and u <= _MAX_RUNE and is_print(chr(u)):
            s += " '" + chr(u) + "'"
        zero, f.zero = f.zero, False
        self.pad(s)
        f.zero = zero

    def fmt_float(self, v: float, verb: str) -> None:
        if verb == "v":
            self._fmt_float(v, "g", -1)
        elif verb in "bgGxX":
            self._fmt_float(v, verb, -1)
        elif verb in "fFeE":
            self._fmt_float(v, verb, 6)
        else:
            self.bad_verb(verb, v)

    def _fmt_float(self, v: float, verb: str, prec: int) -> None:
        f = self.f
        if f.prec is not None:
            prec = f.prec
        num = format_float(v, "f" if verb == "F" else verb, prec)
        num = num if num[0] in "+-" else "+" + num
        if f.space and num[0] == "+" and not f.plus:
            num = " " + num[1:]
        if num[1] in "IN":
            zero, f.zero = f.zero, False
            if num[1] == "N" and not f.space and not f.plus:
                num = num[1:]
            self.pad(num)
            f.zero = zero
            return
        if f.sharp and verb != "b":
            num = self._sharp_float(num, verb, prec)
        if f.plus or num[0] != "+":
            if f.zero and not f.minus and f.wid is not None and f.wid > len(num):
                self.buf.append(num[0] + "0" * (f.wid - len(num)) + num[1:])
                return
            self.pad(num)
            return
        self.pad(num[1:])

    @staticmethod
    def _sharp_float(num: str, verb: str, prec: int) -> str:
        digits = (6 if prec == -1 else prec) if verb in "vgGx" else 0
        tail = ""
        body = num
        for i in range(1, len(num)):
            ch = num[i]
            if ch in "pP" or (ch in "eE" and verb not in "xX"):
                body, tail = num[:i], num[i:]
                break
        has_point = "." in body
        seen = False
        for ch in body[1:]:
            if ch == ".":
                continue
            if ch != "0":
                seen = True
            if seen:
                digits -= 1
        if not has_point:
            if len(body) == 2 and body[1] == "0":
                digits -= 1
            body += "."
        return body + "0" * max(digits, 0) + tail

    def fmt_complex(self, v: complex, verb: str) -> None:
        if verb not in "vbgGxXfFeE":
            self.bad_verb(verb, v)
            return
        plus = self.f.plus
        self.buf.append("(")
        self.fmt_float(v.real, verb)
        self.f.plus = True
        self.fmt_float(v.imag, verb)
        self.buf.append("i)")
        self.f.plus = plus

    # -- errors ------------------------------------------------------------------------------
    def bad_verb(self, verb: str, arg: Any) -> None:
        self.buf.append("%!" + verb + "(")
        self.typed_value(arg)
        self.buf.append(")")

    def typed_value(self, arg: Any) -> None:
        """``type=value`` (or ``<nil>``), as in bad-verb and EXTRA notations."""
        if arg is None or arg is NO_VALUE:
            self.buf.append("<nil>")
        else:
            self.buf.append(type_name(arg) + "=")
            self.print_arg(arg, "v")

    # -- values ------------------------------------------------------------------------------
    def print_arg(self, arg: Any, verb: str) -> None:
        if arg is None or arg is NO_VALUE:
            if verb in "Tv":
                self.pad("<nil>")
            else:
                self.bad_verb(verb, arg)
            return
        if verb == "T":
            self._fmt_s(type_name(arg))
            return
        if verb in "pw":
            self.bad_verb(verb, arg)
            return
        self.print_value(arg, verb, 0)

    def print_value(self, v: Any, verb: str, depth: int) -> None:
        if v is True or v is False:
            self.fmt_bool(v, verb)
        elif isinstance(v, Uint8):
            self.fmt_integer(int(v), False, verb)
        elif isinstance(v, int):
            self.fmt_integer(v, True, verb)
        elif isinstance(v, float):
            self.fmt_float(v, verb)
        elif isinstance(v, str):
            self.fmt_string(v, verb)
        elif isinstance(v, dict):
            self._print_map(v, verb, depth)
        elif isinstance(v, list):
            self._print_list(v, verb, depth)
        elif v is None or v is NO_VALUE:
            self.buf.append("interface {}(nil)" if self.f.sharp_v else "<nil>")
        elif isinstance(v, complex):
            self.fmt_complex(v, verb)
        else:
            self.buf.append(str(v))

    def _print_map(self, m: dict[str, Any], verb: str, depth: int) -> None:
        if self.f.sharp_v:
            self.buf.append(type_name(m))
            if isinstance(m, NilMap):
                self.buf.append("(nil)")
                return
            self.buf.append("{")
        else:
            self.buf.append("map[")
        for i, key in enumerate(sorted(m, key=to_bytes)):
            if i:
                self.buf.append(", " if self.f.sharp_v else " ")
            self.print_value(key, verb, depth + 1)
            self.buf.append(":")
            self.print_value(m[key], verb, depth + 1)
        self.buf.append("}" if self.f.sharp_v else "]")

    def _print_list(self, items: list[Any], verb: str, depth: int) -> None:
        if self.f.sharp_v:
            self.buf.append("[]interface {}{")
            sep = ", "
        else:
            self.buf.append("[")
            sep = " "
        for i, item in enumerate(items):
            if i:
                self.buf.append(sep)
            self.print_value(item, verb, depth + 1)
        self.buf.append("}" if self.f.sharp_v else "]")

    def text(self) -> str:
        return "".join(self.buf)


def _is_string(arg: Any) -> bool:
    return isinstance(arg, str)


def sprint(*args: Any) -> str:
    """fmt.Sprint: spaces between operands when neither side is a string."""
    if len(args) == 1 and type(args[0]) is str:
        return args[0]
    p = Printer()
    prev_string = False
    for i, arg in enumerate(args):
        is_string = _is_string(arg)
        if i > 0 and not is_string and not prev_string:
            p.buf.append(" ")
        p.print_arg(arg, "v")
        prev_string = is_string
    return p.text()


def sprintln(*args: Any) -> str:
    p = Printer()
    for i, arg in enumerate(args):
        if i:
            p.buf.append(" ")
        p.print_arg(arg, "v")
    p.buf.append("\n")
    return p.text()


def print_one(arg: Any) -> str:
    """fmt.Fprint of a single value, the fast path used for every ``{{.X}}`` action."""
    if type(arg) is str:
        return arg
    if type(arg) is float and arg.is_integer() and abs(arg) < 1e6 and arg != 0:
        return str(int(arg))
    p = Printer()
    p.print_arg(arg, "v")
    return p.text()
