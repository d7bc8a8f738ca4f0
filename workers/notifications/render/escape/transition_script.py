"""Context transitions inside URLs, JavaScript and CSS (the script half of transition.go)."""

from __future__ import annotations

from ..goquote import quote
from .context import Context, JSCtx, State, URLPart, error_context
from .css import decode_css, ends_with_css_keyword
from .jsctx import next_js_ctx

_WS = " \t\n\f\r"


def t_url(c: Context, s: str) -> tuple[Context, int]:
    if "#" in s or "?" in s:
        c = c.with_(url_part=URLPart.QueryOrFrag)
    elif s.lstrip(_WS) and c.url_part == URLPart.None_:
        c = c.with_(url_part=URLPart.PreQuery)
    return c, len(s)


def find_any(s: str, chars: str, start: int = 0) -> int:
    best = -1
    for ch in chars:
        i = s.find(ch, start)
        if i >= 0 and (best < 0 or i < best):
            best = i
    return best


def t_js(c: Context, s: str) -> tuple[Context, int]:
    i = find_any(s, "\"`'/{}<-#")
    if i < 0:
        return c.with_(js_ctx=next_js_ctx(s, c.js_ctx)), len(s)
    c = c.with_(js_ctx=next_js_ctx(s[:i], c.js_ctx))
    ch = s[i]
    if ch == '"':
        c = c.with_(state=State.JSDqStr, js_ctx=JSCtx.Regexp)
    elif ch == "'":
        c = c.with_(state=State.JSSqStr, js_ctx=JSCtx.Regexp)
    elif ch == "`":
        c = c.with_(state=State.JSTmplLit, js_ctx=JSCtx.Regexp)
    elif ch == "/":
        if i + 1 < len(s) and s[i + 1] == "/":
            c, i = c.with_(state=State.JSLineCmt), i + 1
        elif i + 1 < len(s) and s[i + 1] == "*":
            c, i = c.with_(state=State.JSBlockCmt), i + 1
        elif c.js_ctx == JSCtx.Regexp:
            c = c.with_(state=State.JSRegexp)
        elif c.js_ctx == JSCtx.DivOp:
            c = c.with_(js_ctx=JSCtx.Regexp)
        else:
            return error_context(
                f"'/' could start a division or regexp: {quote(s[i : i + 32])}"
            ), len(s)
    elif ch == "<":
        if i + 3 < len(s) and s.startswith("<!--", i):
            c, i = c.with_(state=State.JSHTMLOpenCmt), i + 3
    elif ch == "-":
        if i + 2 < len(s) and s.startswith("-->", i):
            c, i = c.with_(state=State.JSHTMLCloseCmt), i + 2
    elif ch == "#":
        if i + 1 < len(s) and s[i + 1] == "!":
            c, i = c.with_(state=State.JSLineCmt), i + 1
    elif ch == "{":
        if not c.brace_depth:
            return c, i + 1
        c = c.with_(brace_depth=c.brace_depth[:-1] + (c.brace_depth[-1] + 1,))
    else:  # "}"
        if not c.brace_depth:
            return c, i + 1
        depth = c.brace_depth[-1] - 1
        if depth >= 0:
            return c.with_(brace_depth=c.brace_depth[:-1] + (depth,)), i + 1
        c = c.with_(brace_depth=c.brace_depth[:-1], state=State.JSTmplLit)
    return c, i + 1


def t_js_tmpl(c: Context, s: str) -> tuple[Context, int]:
    k = 0
    while True:
        i = find_any(s, "`\\$", k)
        if i < 0:
            return c, len(s)
        ch = s[i]
        if ch == "\\":
            i += 1
            if i == len(s):
                return error_context(f"unfinished escape sequence in JS string: {quote(s)}"), len(s)
        elif ch == "$":
            if len(s) >= i + 2 and s[i + 1] == "{":
                return c.with_(brace_depth=c.brace_depth + (0,), state=State.JS), i + 2
        else:
            return c.with_(state=State.JS), i + 1
        k = i + 1


def t_js_delimited(c: Context, s: str) -> tuple[Context, int]:
    specials = {State.JSSqStr: "\\'", State.JSRegexp: "\\/[]"}.get(c.state, '\\"')
    k, in_charset = 0, False
    while True:
        i = find_any(s, specials, k)
        if i < 0:
            break
        ch = s[i]
        if ch == "\\":
            i += 1
            if i == len(s):
                return error_context(f"unfinished escape sequence in JS string: {quote(s)}"), len(s)
        elif ch == "[":
            in_charset = True
        elif ch == "]":
            in_charset = False
        elif ch == "/":
            if i > 0 and i + 7 <= len(s) and s[i - 1 : i + 7].lower() == "</script":
                i += 1
            elif not in_charset:
                return c.with_(state=State.JS, js_ctx=JSCtx.DivOp), i + 1
        elif not in_charset:
            return c.with_(state=State.JS, js_ctx=JSCtx.DivOp), i + 1
        k = i + 1
    if in_charset:
        return error_context(f"unfinished JS regexp charset: {quote(s)}"), len(s)
    return c, len(s)


def t_block_cmt(c: Context, s: str) -> tuple[Context, int]:
    i = s.find("*/")
    if i < 0:
        return c, len(s)
    return c.with_(state=State.JS if c.state == State.JSBlockCmt else State.CSS), i + 2


def t_line_cmt(c: Context, s: str) -> tuple[Context, int]:
    if c.state == State.CSSLineCmt:
        terminators, end = "\n\f\r", State.CSS
    else:
        terminators, end = "\n\r\u2028\u2029", State.JS
    i = find_any(s, terminators)
    if i < 0:
        return c, len(s)
    return c.with_(state=end), i


def t_css(c: Context, s: str) -> tuple[Context, int]:
    k = 0
    while True:
        i = find_any(s, "(\"'/", k)
        if i < 0:
            return c, len(s)
        ch = s[i]
        if ch == "(":
            if ends_with_css_keyword(s[:i].rstrip("\t\n\f\r "), "url"):
                j = len(s) - len(s[i + 1 :].lstrip("\t\n\f\r "))
                if j != len(s) and s[j] == '"':
                    return c.with_(state=State.CSSDqURL), j + 1
                if j != len(s) and s[j] == "'":
                    return c.with_(state=State.CSSSqURL), j + 1
                return c.with_(state=State.CSSURL), j
        elif ch == "/":
            if i + 1 < len(s):
                if s[i + 1] == "/":
                    return c.with_(state=State.CSSLineCmt), i + 2
                if s[i + 1] == "*":
                    return c.with_(state=State.CSSBlockCmt), i + 2
        elif ch == '"':
            return c.with_(state=State.CSSDqStr), i + 1
        else:
            return c.with_(state=State.CSSSqStr), i + 1
        k = i + 1


def t_css_str(c: Context, s: str) -> tuple[Context, int]:
    if c.state in (State.CSSDqStr, State.CSSDqURL):
        end_and_esc = '\\"'
    elif c.state in (State.CSSSqStr, State.CSSSqURL):
        end_and_esc = "\\'"
    else:
        end_and_esc = "\\\t\n\f\r )"
    k = 0
    while True:
        i = find_any(s, end_and_esc, k)
        if i < 0:
            c2, nread = t_url(c, decode_css(s[k:]))
            return c2, k + nread
        if s[i] == "\\":
            i += 1
            if i == len(s):
                return error_context(f"unfinished escape sequence in CSS string: {quote(s)}"), len(
                    s
                )
        else:
            return c.with_(state=State.CSS), i + 1
        c, _ = t_url(c, decode_css(s[: i + 1]))
        k = i + 1
