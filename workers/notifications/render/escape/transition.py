"""Context transitions over template text (transition.go): each function consumes a prefix of
the text in one state and returns the new context and how much it consumed.
"""

from __future__ import annotations

import html as _html
from collections.abc import Callable

from ..goquote import quote
from .attrs import Content, attr_type, is_js_type
from .context import (
    ATTR_START_STATES,
    COMMENT_STATES,
    SCRIPT_LITERAL_STATES,
    Attr,
    Context,
    Delim,
    Element,
    State,
    error_context,
)
from .transition_script import (
    find_any,
    t_block_cmt,
    t_css,
    t_css_str,
    t_js,
    t_js_delimited,
    t_js_tmpl,
    t_line_cmt,
    t_url,
)

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
