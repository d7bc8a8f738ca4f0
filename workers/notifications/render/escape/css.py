"""CSS decoding, escaping and value filtering (css.go)."""

from __future__ import annotations

from typing import Any

from .attrs import Content
from .content import FILTER_FAILSAFE, stringify

_HEX = "0123456789abcdefABCDEF"


def is_css_nmchar(ch: str) -> bool:
    r = ord(ch)
    return (
        "a" <= ch <= "z"
        or "A" <= ch <= "Z"
        or "0" <= ch <= "9"
        or ch in "-_"
        or 0x80 <= r <= 0xD7FF
        or 0xE000 <= r <= 0xFFFD
        or 0x10000 <= r <= 0x10FFFF
    )


def ends_with_css_keyword(b: str, kw: str) -> bool:
    i = len(b) - len(kw)
    if i < 0:
        return False
    if i != 0 and is_css_nmchar(b[i - 1]):
        return False
    return b[i:].lower() == kw


def _skip_css_space(s: str) -> str:
    if not s:
        return s
    if s[0] in "\t\n\f ":
        return s[1:]
    if s[0] == "\r":
        return s[2:] if s[1:2] == "\n" else s[1:]
    return s


def decode_css(s: str) -> str:
    """Decode CSS3 escapes (``\\3c``, ``\\"``) in a sequence of string characters."""
    if "\\" not in s:
        return s
    out = []
    while s:
        i = s.find("\\")
        if i < 0:
            i = len(s)
        out.append(s[:i])
        s = s[i:]
        if len(s) < 2:
            break
        if s[1] in _HEX:
            j = 2
            while j < len(s) and j < 7 and s[j] in _HEX:
                j += 1
            r = int(s[1:j], 16)
            if r > 0x10FFFF:
                r, j = r // 16, j - 1
            out.append(chr(r) if not 0xD800 <= r <= 0xDFFF else "\ufffd")
            s = _skip_css_space(s[j:])
        else:
            out.append(s[1])
            s = s[2:]
    return "".join(out)


_CSS_REPLACEMENTS = {
    "\0": "\\0",
    "\t": "\\9",
    "\n": "\\a",
    "\f": "\\c",
    "\r": "\\d",
    '"': "\\22",
    "&": "\\26",
    "'": "\\27",
    "(": "\\28",
    ")": "\\29",
    "+": "\\2b",
    "/": "\\2f",
    ":": "\\3a",
    ";": "\\3b",
    "<": "\\3c",
    ">": "\\3e",
    "\\": "\\\\",
    "{": "\\7b",
    "}": "\\7d",
}


def css_escaper(*args: Any) -> str:
    s, _ = stringify(args)
    out: list[str] = []
    written = 0
    for i, ch in enumerate(s):
        repl = _CSS_REPLACEMENTS.get(ch)
        if repl is None:
            continue
        out.append(s[written:i])
        out.append(repl)
        written = i + 1
        if repl != "\\\\" and (
            written == len(s) or s[written] in _HEX or s[written] in "\t\n\f\r "
        ):
            out.append(" ")
    if written == 0:
        return s
    out.append(s[written:])
    return "".join(out)


_FORBIDDEN = frozenset("\0\"'()/;@[\\]`{}")


def css_value_filter(*args: Any) -> str:
    s, kind = stringify(args)
    if kind == Content.CSS:
        return s
    b = decode_css(s)
    ident = []
    for i, ch in enumerate(b):
        if ch in _FORBIDDEN:
            return FILTER_FAILSAFE
        if ch == "-":
            if i != 0 and b[i - 1] == "-":
                return FILTER_FAILSAFE
        elif ch < "\x80" and is_css_nmchar(ch):
            ident.append(ch)
    lowered = "".join(ident).lower()
    if "expression" in lowered or "mozbinding" in lowered:
        return FILTER_FAILSAFE
    return b
