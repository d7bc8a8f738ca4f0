"""Rewriting template text for its context (escape.go's escapeText): strip comments,
escape stray ``<`` in text, and neutralise ``</script`` inside script literals.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .. import nodes as n
from .context import COMMENT_STATES, SCRIPT_LITERAL_STATES, Context, Delim, State
from .transition import context_after_text, text_run_end

if TYPE_CHECKING:
    from .escaper import Escaper

_SPECIAL_SCRIPT_TAG = re.compile(r"<(script|/script|!--)", re.IGNORECASE)


def escape_text_node(e: Escaper, c: Context, node: n.TextNode) -> Context:
    s = node.text
    written, i = 0, 0
    out: list[str] = []
    while i != len(s):
        c1, nread = context_after_text(c, s[i:])
        i1 = i + nread
        if c.state in (State.Text, State.RCDATA):
            end = text_run_end(s, i, i1, c1.state != c.state)
            j = s.find("<", i, end)
            while j >= 0:
                if not s[j:].upper().startswith("<!DOCTYPE"):
                    out.append(s[written:j])
                    out.append("&lt;")
                    written = j + 1
                j = s.find("<", j + 1, end)
        elif c.state in COMMENT_STATES and c.delim == Delim.None_:
            if c.state == State.JSBlockCmt:
                chunk = s[written:i1]
                newline = any(ch in chunk for ch in "\n\r\u2028\u2029")
                out.append("\n" if newline else " ")
            elif c.state == State.CSSBlockCmt:
                out.append(" ")
            written = i1
        if c.state != c1.state and c1.state in COMMENT_STATES and c1.delim == Delim.None_:
            cs = i1 - 2
            if c1.state in (State.HTMLCmt, State.JSHTMLOpenCmt):
                cs -= 2
            elif c1.state == State.JSHTMLCloseCmt:
                cs -= 1
            out.append(s[written:cs])
            written = i1
        if c.state in SCRIPT_LITERAL_STATES and _SPECIAL_SCRIPT_TAG.search(s, i, i1):
            out.append(s[written:i])
            out.append(_SPECIAL_SCRIPT_TAG.sub(r"\\x3C\1", s[i:i1]))
            written = i1
        if i == i1 and c.state == c1.state:
            raise AssertionError(f"infinite loop from {c} to {c1} on {s[:i]!r}..{s[i:]!r}")
        c, i = c1, i1
    if written != 0 and c.state != State.Error:
        if c.state not in COMMENT_STATES or c.delim != Delim.None_:
            out.append(s[written:])
        e.text_edits[id(node)] = (node, "".join(out))
    return c
