"""fmt.Sprintf: Go's format-string walker (flags, width, precision, [n] indexes, %!verb errors)."""

from __future__ import annotations

from typing import Any

from .gofmt import Printer
from .values import is_int

_TOO_LARGE = 1_000_000


def _parse_num(s: str, start: int, end: int) -> tuple[int, bool, int]:
    num, isnum, i = 0, False, start
    while i < end and "0" <= s[i] <= "9":
        if num > _TOO_LARGE or num < -_TOO_LARGE:
            return 0, False, end
        num = num * 10 + ord(s[i]) - 48
        isnum = True
        i += 1
    return num, isnum, i


def _int_from_arg(args: list[Any], arg_num: int) -> tuple[int, bool, int]:
    if arg_num >= len(args):
        return 0, False, arg_num
    value = args[arg_num]
    num, ok = (int(value), True) if is_int(value) else (0, False)
    if ok and (num > _TOO_LARGE or num < -_TOO_LARGE):
        num, ok = 0, False
    return num, ok, arg_num + 1


class _State:
    def __init__(self, fmt: str, args: list[Any]) -> None:
        self.fmt = fmt
        self.args = args
        self.p = Printer()
        self.reordered = False
        self.good_arg_num = True

    def arg_number(self, arg_num: int, i: int) -> tuple[int, int, bool]:
        fmt = self.fmt
        if i >= len(fmt) or fmt[i] != "[":
            return arg_num, i, False
        self.reordered = True
        index, width, ok = -1, 1, False
        rest = fmt[i:]
        if len(rest) >= 3:
            close = rest.find("]", 1)
            if close > 0:
                num, isnum, newi = _parse_num(rest, 1, close)
                width = close + 1
                if isnum and newi == close:
                    index, ok = num - 1, True
        if ok and 0 <= index < len(self.args):
            return index, i + width, True
        self.good_arg_num = False
        return arg_num, i + width, ok

    def run(self) -> str:
        fmt, args, p = self.fmt, self.args, self.p
        end = len(fmt)
        arg_num = 0
        i = 0
        while i < end:
            self.good_arg_num = True
            last = i
            i = fmt.find("%", i)
            if i < 0:
                i = end
            if i > last:
                p.buf.append(fmt[last:i])
            if i >= end:
                break
            i += 1
            f = p.f
            f.clear()
            while i < end and fmt[i] in "#0+- ":
                c = fmt[i]
                if c == "#":
                    f.sharp = True
                elif c == "0":
                    f.zero = not f.minus
                elif c == "+":
                    f.plus = True
                elif c == "-":
                    f.minus, f.zero = True, False
                else:
                    f.space = True
                i += 1
            arg_num, i, after_index = self.arg_number(arg_num, i)
            if i < end and fmt[i] == "*":
                i += 1
                wid, ok, arg_num = _int_from_arg(args, arg_num)
                f.wid = wid if ok else None
                if not ok:
                    p.buf.append("%!(BADWIDTH)")
                if f.wid is not None and f.wid < 0:
                    f.wid, f.minus, f.zero = -f.wid, True, False
                after_index = False
            else:
                wid, ok, i = _parse_num(fmt, i, end)
                f.wid = wid if ok else None
                if after_index and ok:
                    self.good_arg_num = False
            if i + 1 < end and fmt[i] == ".":
                i += 1
                if after_index:
                    self.good_arg_num = False
                arg_num, i, after_index = self.arg_number(arg_num, i)
                if i < end and fmt[i] == "*":
                    i += 1
                    prec, ok, arg_num = _int_from_arg(args, arg_num)
                    if ok and prec < 0:
                        ok = False
                    f.prec = prec if ok else None
                    if not ok:
                        p.buf.append("%!(BADPREC)")
                    after_index = False
                else:
                    prec, ok, i = _parse_num(fmt, i, end)
                    f.prec = prec if ok else 0
            if not after_index:
                arg_num, i, after_index = self.arg_number(arg_num, i)
            if i >= end:
                p.buf.append("%!(NOVERB)")
                break
            verb = fmt[i]
            i += 1
            if verb == "%":
                p.buf.append("%")
            elif not self.good_arg_num:
                p.buf.append("%!" + verb + "(BADINDEX)")
            elif arg_num >= len(args):
                p.buf.append("%!" + verb + "(MISSING)")
            else:
                if verb == "v":
                    f.sharp_v, f.sharp = f.sharp, False
                    f.plus_v, f.plus = f.plus, False
                p.print_arg(args[arg_num], verb)
                arg_num += 1
        if not self.reordered and arg_num < len(args):
            p.f.clear()
            p.buf.append("%!(EXTRA ")
            for j, arg in enumerate(args[arg_num:]):
                if j:
                    p.buf.append(", ")
                p.typed_value(arg)
            p.buf.append(")")
        return p.text()


def sprintf(fmt: str, *args: Any) -> str:
    return _State(fmt, list(args)).run()
