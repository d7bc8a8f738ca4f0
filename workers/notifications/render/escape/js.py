"""Escapers for values inside <script> and event handlers (js.go)."""

from __future__ import annotations

from typing import Any

from ..gofmt import sprint
from ..gojson import UnsupportedType, marshal
from .content import stringify
from .jsctx import is_js_ident_part

_LOW = {chr(i): f"\\u{i:04x}" for i in range(0x20)}
_LOW.update({"\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", "\v": "\\u000b"})
_STR = {
    **_LOW,
    '"': "\\u0022",
    "`": "\\u0060",
    "&": "\\u0026",
    "'": "\\u0027",
    "+": "\\u002b",
    "/": "\\/",
    "<": "\\u003c",
    ">": "\\u003e",
    "\\": "\\\\",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_TMPL_LIT = {**_STR, "$": "\\u0024", "{": "\\u007b", "}": "\\u007d"}
_REGEXP = {
    **_LOW,
    '"': "\\u0022",
    "$": "\\$",
    "&": "\\u0026",
    "'": "\\u0027",
    "(": "\\(",
    ")": "\\)",
    "*": "\\*",
    "+": "\\u002b",
    "-": "\\-",
    ".": "\\.",
    "/": "\\/",
    "<": "\\u003c",
    ">": "\\u003e",
    "?": "\\?",
    "[": "\\[",
    "\\": "\\\\",
    "]": "\\]",
    "^": "\\^",
    "{": "\\{",
    "|": "\\|",
    "}": "\\}",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_TABLES = {name: str.maketrans(table) for name, table in (("s", _STR), ("t", _TMPL_LIT), ("r", _REGEXP))}  # fmt: skip


def js_val_escaper(*args: Any) -> str:
    """A JS expression for the value: JSON, padded with spaces when it starts/ends a word."""
    value = args[0] if len(args) == 1 else sprint(*args)
    try:
        b = marshal(value)
    except UnsupportedType as err:
        message = str(err).replace("*/", "* /").replace("</script", "\\x3C/script")
        message = message.replace("<!--", "\\x3C!--")
        return f" /* {message} */null "
    if not b:
        return " null "
    if is_js_ident_part(b[0]) or is_js_ident_part(b[-1]):
        return " " + b + " "
    return b


def js_str_escaper(*args: Any) -> str:
    s, _ = stringify(args)
    return s.translate(_TABLES["s"])


def js_tmpl_lit_escaper(*args: Any) -> str:
    s, _ = stringify(args)
    return s.translate(_TABLES["t"])


def js_regexp_escaper(*args: Any) -> str:
    s, _ = stringify(args)
    s = s.translate(_TABLES["r"])
    return s or "(?:)"
