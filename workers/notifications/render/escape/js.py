"""JavaScript in html/template (js.go): whether a '/' after some JavaScript starts a regexp or
a division, the escapers for values inside <script> and event handlers, and which <script type>
values make the body JavaScript.
"""

from __future__ import annotations

from typing import Any

from ..gofmt import sprint
from ..gojson import UnsupportedTypeError, marshal
from .content import stringify
from .context import JSCtx

JS_WHITESPACE = (
    "\f\n\r\t\v \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_REGEXP_PRECEDERS = frozenset(
    [
        "break",
        "case",
        "continue",
        "delete",
        "do",
        "else",
        "finally",
        "in",
        "instanceof",
        "return",
        "throw",
        "try",
        "typeof",
        "void",
    ]
)


def is_js_ident_part(ch: str) -> bool:
    return ch == "$" or ch == "_" or "0" <= ch <= "9" or "A" <= ch <= "Z" or "a" <= ch <= "z"


def next_js_ctx(s: str, preceding: JSCtx) -> JSCtx:
    s = s.rstrip(JS_WHITESPACE)
    if not s:
        return preceding
    c, n = s[-1], len(s)
    if c in "+-":
        start = n - 1
        while start > 0 and s[start - 1] == c:
            start -= 1
        return JSCtx.Regexp if (n - start) & 1 else JSCtx.DivOp
    if c == ".":
        if n != 1 and "0" <= s[n - 2] <= "9":
            return JSCtx.DivOp
        return JSCtx.Regexp
    if c in ",<>=*%&|^?!~([:;{}":
        return JSCtx.Regexp
    j = n
    while j > 0 and is_js_ident_part(s[j - 1]):
        j -= 1
    if s[j:] in _REGEXP_PRECEDERS:
        return JSCtx.Regexp
    return JSCtx.DivOp


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
    except UnsupportedTypeError as err:
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


_JS_MIME_TYPES = frozenset(
    [
        "application/ecmascript",
        "application/javascript",
        "application/json",
        "application/ld+json",
        "application/x-ecmascript",
        "application/x-javascript",
        "module",
        "text/ecmascript",
        "text/javascript",
        "text/javascript1.0",
        "text/javascript1.1",
        "text/javascript1.2",
        "text/javascript1.3",
        "text/javascript1.4",
        "text/javascript1.5",
        "text/jscript",
        "text/livescript",
        "text/x-ecmascript",
        "text/x-javascript",
    ]
)


def is_js_type(mime: str) -> bool:
    """Whether a <script type=...> value makes the body JavaScript."""
    return mime.partition(";")[0].lower().strip() in _JS_MIME_TYPES
