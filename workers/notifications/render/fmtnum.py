"""fmt's flag state, padding and number verbs (the numeric half of fmt/format.go)."""

from __future__ import annotations

from typing import Any

from .goquote import format_float, is_print, quote_rune

_UINT64 = (1 << 64) - 1
_MAX_RUNE = 0x10FFFF


class Flags:
    __slots__ = ("plus", "minus", "sharp", "space", "zero", "plus_v", "sharp_v", "wid", "prec")

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.plus = self.minus = self.sharp = self.space = self.zero = False
        self.plus_v = self.sharp_v = False
        self.wid: int | None = None
        self.prec: int | None = None


class NumberFormatter:
    """Padding and the bool/int/float/complex verbs; :class:`gofmt.Printer` adds the rest."""

    buf: list[str]
    f: Flags

    def bad_verb(self, verb: str, arg: Any) -> None:
        raise NotImplementedError

    # -- padding ---------------------------------------------------------------------------
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

    # -- scalars ---------------------------------------------------------------------------
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
