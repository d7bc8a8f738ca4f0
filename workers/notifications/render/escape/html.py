"""Escapers for HTML text, attribute values and names (html.go)."""

from __future__ import annotations

from typing import Any

from ..gostr import is_stray
from .attrs import Content, attr_type
from .content import FILTER_FAILSAFE, stringify
from .context import IN_TAG_STATES, Context, Delim, Element, State
from .transition import TRANSITIONS, text_run_end

_HTML = {"\0": "\ufffd", '"': "&#34;", "&": "&amp;", "'": "&#39;", "+": "&#43;", "<": "&lt;", ">": "&gt;"}  # fmt: skip
_HTML_NORM = {k: v for k, v in _HTML.items() if k != "&"}
_NOSPACE = {
    "\0": "&#xfffd;",
    "\t": "&#9;",
    "\n": "&#10;",
    "\v": "&#11;",
    "\f": "&#12;",
    "\r": "&#13;",
    " ": "&#32;",
    '"': "&#34;",
    "&": "&amp;",
    "'": "&#39;",
    "+": "&#43;",
    "<": "&lt;",
    "=": "&#61;",
    ">": "&gt;",
    "`": "&#96;",
}
_NOSPACE_NORM = {k: v for k, v in _NOSPACE.items() if k != "&"}
_TABLES = {id(t): str.maketrans(t) for t in (_HTML, _HTML_NORM)}


def _replace(s: str, table: dict[str, str]) -> str:
    return s.translate(_TABLES[id(table)])


def _replace_nospace(s: str, table: dict[str, str]) -> str:
    out = []
    for ch in s:
        repl = table.get(ch)
        if repl is not None:
            out.append(repl)
            continue
        r = 0xFFFD if is_stray(ch) else ord(ch)
        if ord(ch) >= 0x61 and (0xFDD0 <= r <= 0xFDEF or 0xFFF0 <= r <= 0xFFFF):
            out.append(f"&#x{r:x};")
        else:
            out.append(ch)
    return "".join(out)


def html_escaper(*args: Any) -> str:
    s, kind = stringify(args)
    if kind == Content.HTML:
        return s
    return _replace(s, _HTML)


def attr_escaper(*args: Any) -> str:
    s, kind = stringify(args)
    if kind == Content.HTML:
        return _replace(strip_tags(s), _HTML_NORM)
    return _replace(s, _HTML)


def rcdata_escaper(*args: Any) -> str:
    s, kind = stringify(args)
    if kind == Content.HTML:
        return _replace(s, _HTML_NORM)
    return _replace(s, _HTML)


def html_nospace_escaper(*args: Any) -> str:
    s, kind = stringify(args)
    if s == "":
        return FILTER_FAILSAFE
    if kind == Content.HTML:
        return _replace_nospace(strip_tags(s), _NOSPACE_NORM)
    return _replace_nospace(s, _NOSPACE)


def html_name_filter(*args: Any) -> str:
    s, kind = stringify(args)
    if kind == Content.HTMLAttr:
        return s
    if not s:
        return FILTER_FAILSAFE
    s = s.lower()
    if attr_type(s) != Content.Plain:
        return FILTER_FAILSAFE
    if not all("0" <= ch <= "9" or "a" <= ch <= "z" for ch in s):
        return FILTER_FAILSAFE
    return s


def comment_escaper(*args: Any) -> str:
    return ""


def strip_tags(html: str) -> str:
    """The text content of an HTML snippet (used when HTML lands in an attribute)."""
    out: list[str] = []
    s, c, i, all_text = html, Context(), 0, True
    ends = {Delim.DoubleQuote: '"', Delim.SingleQuote: "'", Delim.SpaceOrTagEnd: " \t\n\f\r>"}
    while i != len(s):
        if c.delim == Delim.None_:
            st = c.state
            if c.element != Element.None_ and st not in IN_TAG_STATES:
                st = State.RCDATA
            d, nread = TRANSITIONS[st](c, s[i:])
            i1 = i + nread
            if c.state in (State.Text, State.RCDATA):
                out.append(s[i : text_run_end(s, i, i1, d.state != c.state)])
            else:
                all_text = False
            c, i = d, i1
            continue
        positions = [p for p in (s.find(ch, i) for ch in ends[c.delim]) if p >= 0]
        if not positions:
            break
        i1 = min(positions)
        if c.delim != Delim.SpaceOrTagEnd:
            i1 += 1
        c, i = Context(state=State.Tag, element=c.element), i1
    if all_text:
        return html
    if c.state in (State.Text, State.RCDATA):
        out.append(s[i:])
    return "".join(out)
