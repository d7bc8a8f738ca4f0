"""Go's ``fmt`` package for template values: Sprint, Sprintln, Sprintf and %v printing.

Templates print everything through fmt, so ``1234567.0`` must become ``1.234567e+06``, maps
``map[a:1]`` with sorted keys and slices ``[1 b]``; printf's bad-verb and missing-argument
notations (``%!d(string=hi)``) are reproduced as well.
"""

from __future__ import annotations

from typing import Any

from .fmtnum import Flags, NumberFormatter
from .goquote import can_backquote, quote
from .gostr import to_bytes
from .values import NO_VALUE, NilMap, Uint8, type_name


class Printer(NumberFormatter):
    """One formatting run (Go's ``pp``): a buffer plus the current verb's flags."""

    def __init__(self) -> None:
        self.buf: list[str] = []
        self.f = Flags()

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
