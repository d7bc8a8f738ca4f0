"""Context transitions over template text (transition.go): each function consumes a prefix of
the text in one state and returns the new context and how much it consumed.
"""

from __future__ import annotations

import html as _html
from collections.abc import Callable

from ..goquote import quote
from .attrs import Content, attr_type
from .context import (
    ATTR_START_STATES,
    COMMENT_STATES,
    SCRIPT_LITERAL_STATES,
    Attr,
    Context,
    Delim,
    Element,
    JSCtx,
    State,
    URLPart,
    error_context,
)
from .css import decode_css, ends_with_css_keyword
from .js import is_js_type, next_js_ctx

Transition = Callable[[Context, str], tuple[Context, int]]
_WS = " \t\n\f\r"
_ELEMENTS = {
    "script": Element.Script,
    "style": Element.Style,
    "textarea": Element.Textarea,
    "title": Element.Title,
}
_ELEMENT_CONTENT = {
    Element.None_: State.Text,
    Element.Script: State.JS,
    Element.Style: State.CSS,
    Element.Textarea: State.RCDATA,
    Element.Title: State.RCDATA,
}
_END_MARKERS = {
    Element.Script: "script",
    Element.Style: "style",
    Element.Textarea: "textarea",
    Element.Title: "title",
}


def _is_alpha(ch: str) -> bool:
    return "a" <= ch <= "z" or "A" <= ch <= "Z"


def _is_alnum(ch: str) -> bool:
    return _is_alpha(ch) or "0" <= ch <= "9"


def eat_white_space(s: str, i: int) -> int:
    while i < len(s) and s[i] in _WS:
        i += 1
    return i


def eat_tag_name(s: str, i: int) -> tuple[int, Element]:
    if i == len(s) or not _is_alpha(s[i]):
        return i, Element.None_
    j = i + 1
    while j < len(s):
        x = s[j]
        if _is_alnum(x):
            j += 1
        elif x in ":-" and j + 1 < len(s) and _is_alnum(s[j + 1]):
            j += 2
        else:
            break
    return j, _ELEMENTS.get(s[i:j].lower(), Element.None_)


def eat_attr_name(s: str, i: int) -> int:
    """End of the attribute name at i; -1 (error) on a quote or '<' inside a name."""
    for j in range(i, len(s)):
        if s[j] in " \t\n\f\r=>":
            return j
        if s[j] in "'\"<":
            return -1 - j
    return len(s)


def t_text(c: Context, s: str) -> tuple[Context, int]:
    k = 0
    while True:
        i = s.find("<", k)
        if i < 0 or i + 1 == len(s):
            return c, len(s)
        if s.startswith("<!--", i):
            return Context(state=State.HTMLCmt), i + 4
        i += 1
        end = False
        if s[i] == "/":
            if i + 1 == len(s):
                return c, len(s)
            end, i = True, i + 1
        j, element = eat_tag_name(s, i)
        if j != i:
            return Context(state=State.Tag, element=Element.None_ if end else element), j
        k = j


def t_tag(c: Context, s: str) -> tuple[Context, int]:
    i = eat_white_space(s, 0)
    if i == len(s):
        return c, len(s)
    if s[i] == ">":
        return Context(state=_ELEMENT_CONTENT[c.element], element=c.element), i + 1
    j = eat_attr_name(s, i)
    if j < 0:
        bad = s[-1 - j]
        return error_context(f"{quote(bad)} in attribute name: {quote(s[:32])}"), len(s)
    if i == j:
        return error_context(
            f"expected space, attr name, or end of tag, but got {quote(s[i:])}"
        ), len(s)
    name = s[i:j].lower()
    attr = Attr.None_
    if c.element == Element.Script and name == "type":
        attr = Attr.ScriptType
    else:
        kind = attr_type(name)
        attr = {
            Content.URL: Attr.URL,
            Content.CSS: Attr.Style,
            Content.JS: Attr.Script,
            Content.Srcset: Attr.Srcset,
        }.get(kind, Attr.None_)
    state = State.AttrName if j == len(s) else State.AfterName
    return Context(state=state, element=c.element, attr=attr), j


def t_attr_name(c: Context, s: str) -> tuple[Context, int]:
    i = eat_attr_name(s, 0)
    if i < 0:
        return error_context(f"{quote(s[-1 - i])} in attribute name: {quote(s[:32])}"), len(s)
    if i != len(s):
        c = c.with_(state=State.AfterName)
    return c, i


def t_after_name(c: Context, s: str) -> tuple[Context, int]:
    i = eat_white_space(s, 0)
    if i == len(s):
        return c, len(s)
    if s[i] != "=":
        return c.with_(state=State.Tag), i
    return c.with_(state=State.BeforeValue), i + 1


def t_before_value(c: Context, s: str) -> tuple[Context, int]:
    i = eat_white_space(s, 0)
    if i == len(s):
        return c, len(s)
    delim = Delim.SpaceOrTagEnd
    if s[i] == "'":
        delim, i = Delim.SingleQuote, i + 1
    elif s[i] == '"':
        delim, i = Delim.DoubleQuote, i + 1
    return c.with_(state=ATTR_START_STATES[c.attr], delim=delim), i


def t_html_cmt(c: Context, s: str) -> tuple[Context, int]:
    i = s.find("-->")
    if i >= 0:
        return Context(), i + 3
    return c, len(s)


def index_tag_end(s: str, tag: str) -> int:
    """Index of a case-insensitive ``</tag`` followed by a separator, or -1."""
    res = 0
    while s:
        i = s.find("</")
        if i < 0:
            return -1
        s = s[i + 2 :]
        if len(tag) <= len(s) and s[: len(tag)].lower() == tag:
            s = s[len(tag) :]
            if s and s[0] in "> \t\n\f/":
                return res + i
            res += len(tag)
        res += i + 2
    return -1


def t_special_tag_end(c: Context, s: str) -> tuple[Context, int]:
    if c.element != Element.None_:
        if c.element == Element.Script and (
            c.state in SCRIPT_LITERAL_STATES or c.state in COMMENT_STATES
        ):
            return c, len(s)
        i = index_tag_end(s, _END_MARKERS[c.element])
        if i >= 0:
            return Context(), i
    return c, len(s)


def t_attr(c: Context, s: str) -> tuple[Context, int]:
    return c, len(s)


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
        c = c.with_(brace_depth=(*c.brace_depth[:-1], c.brace_depth[-1] + 1))
    else:  # "}"
        if not c.brace_depth:
            return c, i + 1
        depth = c.brace_depth[-1] - 1
        if depth >= 0:
            return c.with_(brace_depth=(*c.brace_depth[:-1], depth)), i + 1
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
                return c.with_(brace_depth=(*c.brace_depth, 0), state=State.JS), i + 2
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


def t_error(c: Context, s: str) -> tuple[Context, int]:
    return c, len(s)


TRANSITIONS: dict[State, Transition] = {
    State.Text: t_text,
    State.Tag: t_tag,
    State.AttrName: t_attr_name,
    State.AfterName: t_after_name,
    State.BeforeValue: t_before_value,
    State.HTMLCmt: t_html_cmt,
    State.RCDATA: t_special_tag_end,
    State.Attr: t_attr,
    State.URL: t_url,
    State.Srcset: t_url,
    State.JS: t_js,
    State.JSDqStr: t_js_delimited,
    State.JSSqStr: t_js_delimited,
    State.JSRegexp: t_js_delimited,
    State.JSTmplLit: t_js_tmpl,
    State.JSBlockCmt: t_block_cmt,
    State.JSLineCmt: t_line_cmt,
    State.JSHTMLOpenCmt: t_line_cmt,
    State.JSHTMLCloseCmt: t_line_cmt,
    State.CSS: t_css,
    State.CSSDqStr: t_css_str,
    State.CSSSqStr: t_css_str,
    State.CSSDqURL: t_css_str,
    State.CSSSqURL: t_css_str,
    State.CSSURL: t_css_str,
    State.CSSBlockCmt: t_block_cmt,
    State.CSSLineCmt: t_line_cmt,
    State.Error: t_error,
}

_DELIM_ENDS = {Delim.DoubleQuote: '"', Delim.SingleQuote: "'", Delim.SpaceOrTagEnd: " \t\n\f\r>"}


def context_after_text(c: Context, s: str) -> tuple[Context, int]:
    """Consume some of s from context c (escape.go's contextAfterText)."""
    if c.delim == Delim.None_:
        c1, i = t_special_tag_end(c, s)
        if i == 0:
            return c1, 0
        return TRANSITIONS[c.state](c, s[:i])
    i = find_any(s, _DELIM_ENDS[c.delim])
    if i < 0:
        i = len(s)
    if c.delim == Delim.SpaceOrTagEnd:
        j = find_any(s[:i], "\"'<=`")
        if j >= 0:
            return error_context(f"{quote(s[j])} in unquoted attr: {quote(s[:i])}"), len(s)
    if i == len(s):
        u = _html.unescape(s)
        while u:
            c1, i1 = TRANSITIONS[c.state](c, u)
            c, u = c1, u[i1:]
        return c, len(s)
    element = c.element
    if (
        c.state == State.Attr
        and c.element == Element.Script
        and c.attr == Attr.ScriptType
        and not is_js_type(s[:i])
    ):
        element = Element.None_
    if c.delim != Delim.SpaceOrTagEnd:
        i += 1
    return Context(state=State.Tag, element=element), i


def text_run_end(s: str, start: int, end: int, left_text: bool) -> int:
    """End of the text in s[start:end]: before the ``<`` that opened a tag, if one did."""
    if left_text:
        k = s.rfind("<", start, end)
        if k >= 0:
            return k
    return end
