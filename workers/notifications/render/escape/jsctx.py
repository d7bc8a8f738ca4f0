"""Whether a '/' after some JavaScript starts a regexp or a division (js.go's nextJSCtx)."""

from __future__ import annotations

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
