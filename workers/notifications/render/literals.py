"""Go literal syntax inside actions: strconv.Unquote/UnquoteChar and numeric constants.

A number's value is what text/template's ``idealConstant`` produces at execution (``int``,
``float64`` or ``complex128``); constants Go only rejects when executing are kept as
:class:`DeferredError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .gostr import from_bytes

_SIMPLE = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}
_HEX = "0123456789abcdefABCDEF"
_INT64 = 1 << 63


class LiteralSyntaxError(ValueError):
    """A malformed quoted string or number in an action; the parser reports its message."""


@dataclass(frozen=True)
class DeferredError:
    """A constant that parses but fails when evaluated (``18446744073709551615 overflows int``)."""

    message: str


def unquote_char(s: str, quote: str) -> tuple[int, bool, str]:
    """(value, is_rune, tail): is_rune is False for \\x and octal escapes, which denote bytes."""
    if not s:
        raise LiteralSyntaxError("invalid syntax")
    c = s[0]
    if c == quote and quote in "'\"":
        raise LiteralSyntaxError("invalid syntax")
    if c != "\\":
        return ord(c), True, s[1:]
    if len(s) <= 1:
        raise LiteralSyntaxError("invalid syntax")
    c, s = s[1], s[2:]
    if c in _SIMPLE:
        return _SIMPLE[c], True, s
    if c in "xuU":
        n = {"x": 2, "u": 4, "U": 8}[c]
        if len(s) < n or any(ch not in _HEX for ch in s[:n]):
            raise LiteralSyntaxError("invalid syntax")
        v = int(s[:n], 16)
        if c == "x":
            return v, False, s[n:]
        if v > 0x10FFFF or 0xD800 <= v <= 0xDFFF:
            raise LiteralSyntaxError("invalid syntax")
        return v, True, s[n:]
    if "0" <= c <= "7":
        if len(s) < 2 or any(not "0" <= ch <= "7" for ch in s[:2]):
            raise LiteralSyntaxError("invalid syntax")
        v = int(c + s[:2], 8)
        if v > 255:
            raise LiteralSyntaxError("invalid syntax")
        return v, False, s[2:]
    if c in "'\"":
        if c != quote:
            raise LiteralSyntaxError("invalid syntax")
        return ord(c), True, s
    raise LiteralSyntaxError("invalid syntax")


def unquote(s: str) -> str:
    """strconv.Unquote for "..." and `...` literals (raw strings drop carriage returns)."""
    if len(s) < 2 or s[0] != s[-1]:
        raise LiteralSyntaxError("invalid syntax")
    if s[0] == "`":
        body = s[1:-1]
        if "`" in body:
            raise LiteralSyntaxError("invalid syntax")
        return body.replace("\r", "")
    if s[0] != '"':
        raise LiteralSyntaxError("invalid syntax")
    body = s[1:-1]
    if "\\" not in body and "\n" not in body and '"' not in body:
        return body
    out = bytearray()
    while body:
        if body[0] == "\n":
            raise LiteralSyntaxError("invalid syntax")
        value, is_rune, body = unquote_char(body, '"')
        if is_rune:
            out += chr(value).encode("utf-8", "surrogateescape")
        else:
            out.append(value)
    return from_bytes(bytes(out))


def _underscore_ok(s: str) -> bool:
    saw = "^"
    i = 0
    if s[:1] in ("+", "-"):
        s = s[1:]
    hexa = False
    if len(s) >= 2 and s[0] == "0" and s[1].lower() in "box":
        i, saw, hexa = 2, "0", s[1].lower() == "x"
    while i < len(s):
        ch = s[i]
        if "0" <= ch <= "9" or (hexa and "a" <= ch.lower() <= "f"):
            saw = "0"
        elif ch == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
        i += 1
    return saw != "_"


def parse_int(text: str, signed: bool) -> int | None:
    """strconv.ParseInt/ParseUint with base 0 (prefixes, leading-0 octal, underscores)."""
    s = text
    neg = False
    if signed and s[:1] in ("+", "-"):
        neg, s = s[0] == "-", s[1:]
    if not s:
        return None
    base = 10
    if s[0] == "0":
        if len(s) >= 3 and s[1].lower() in "box":
            base = {"b": 2, "o": 8, "x": 16}[s[1].lower()]
            s = s[2:]
        else:
            base, s = 8, s[1:] or "0"
    if "_" in s:
        if not _underscore_ok(text):
            return None
        s = s.replace("_", "")
    digits = "0123456789abcdef"[:base]
    if not s or any(ch.lower() not in digits for ch in s):
        return None
    value = int(s, base)
    if signed:
        value = -value if neg else value
        return value if -_INT64 <= value < _INT64 else None
    return value if value < 2 * _INT64 else None


def parse_float(text: str) -> float | None:
    """strconv.ParseFloat(text, 64); None on syntax error or overflow (ErrRange)."""
    s = text
    if "_" in s:
        if not _underscore_ok(s):
            return None
        s = s.replace("_", "")
    body = s.lstrip("+-")
    if len(s) - len(body) > 1:
        return None
    try:
        if body[:2].lower() == "0x":
            if "p" not in body.lower():
                return None
            value = float.fromhex(s)
        else:
            if not body or body[0] not in "0123456789." or body.lower() in ("inf", "nan"):
                return None
            value = float(s)
    except (ValueError, OverflowError):
        return None
    return None if math.isinf(value) else value


def _is_hex_int(s: str) -> bool:
    return len(s) > 2 and s[0] == "0" and s[1] in "xX" and "p" not in s and "P" not in s


def number_value(text: str, is_complex: bool) -> object:
    """The constant for a NUMBER/COMPLEX token; raises LiteralSyntaxError like parse.newNumber."""
    if is_complex:
        try:
            return complex(text.replace("i", "j"))
        except ValueError:
            raise LiteralSyntaxError(f'illegal number syntax: "{text}"') from None
    if text.endswith("i"):
        f = parse_float(text[:-1])
        if f is not None:
            return complex(0, f)
    as_uint = parse_int(text, signed=False)
    as_int = parse_int(text, signed=True)
    fvalue: float | None = None
    if as_int is not None:
        fvalue = float(as_int)
    elif as_uint is not None:
        fvalue = float(as_uint)
    else:
        fvalue = parse_float(text)
        if fvalue is not None:
            if not any(ch in text for ch in ".eEpP"):
                raise LiteralSyntaxError(f'integer overflow: "{text}"')
            if fvalue.is_integer() and -_INT64 <= fvalue < _INT64:
                as_int = int(fvalue)
    if as_int is None and as_uint is None and fvalue is None:
        raise LiteralSyntaxError(f'illegal number syntax: "{text}"')
    if fvalue is not None and not _is_hex_int(text) and any(ch in text for ch in ".eEpP"):
        return fvalue
    if as_int is not None:
        return as_int
    return DeferredError(f"{text} overflows int")


def char_value(text: str) -> int:
    """A character constant such as ``'a'`` or ``'\\n'`` (an int, as idealConstant yields)."""
    value, _, tail = unquote_char(text[1:], text[0])
    if tail != "'":
        raise LiteralSyntaxError(f"malformed character constant: {text}")
    return value
