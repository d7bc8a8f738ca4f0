"""``markdown``: CommonMark to HTML exactly as goldmark v1.8.5 renders it with default options.

The Go worker calls ``goldmark.Convert`` unchanged: no extensions, HTML (not XHTML) void tags,
raw HTML replaced by ``<!-- raw HTML omitted -->`` and dangerous URLs emptied. markdown-it-py's
CommonMark parser builds the tokens; the rules below are swapped where goldmark parses
differently, and :mod:`.markdown_html` writes the tokens the way goldmark's renderer does.
"""

from __future__ import annotations

import html.entities
import re
from types import ModuleType

from markdown_it import MarkdownIt
from markdown_it.helpers import parseLinkLabel
from markdown_it.rules_block import paragraph as _paragraph_rule
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_core.state_core import StateCore
from markdown_it.rules_inline import link as _link_rule
from markdown_it.rules_inline.state_inline import StateInline
from markdown_it.token import Token

from .markdown_html import is_dangerous_url, render_blocks, valid_rune
from .values import HTML

__all__ = ["is_dangerous_url", "render_markdown"]

# goldmark's util.IsSpace (v1.8): space, tab, LF and CR; not VT or FF.
_GO_SPACE = " \t\n\r"
_ASCII_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_ENTITIES = {name[:-1]: chars for name, chars in html.entities.html5.items() if name[-1] == ";"}

# --- raw HTML (parser/raw_html.go, html_block.go): whitespace is IsSpace, not Python's \s
_W = "[ \t\n\r]"
_ATTR = (
    f"(?:{_W}+[a-zA-Z_:][a-zA-Z0-9:._-]*"
    f"(?:{_W}*={_W}*(?:[^\"'=<>`\\x00-\\x20]+|'[^']*'|\"[^\"]*\"))?)"
)
_OPEN_TAG = f"<[A-Za-z][A-Za-z0-9-]*{_ATTR}*{_W}*/?>"
_CLOSE_TAG = f"</[A-Za-z][A-Za-z0-9-]*{_W}*>"
_INLINE_HTML_RE = re.compile(
    "(?:"
    + "|".join(
        (
            _OPEN_TAG,
            _CLOSE_TAG,
            "<!---?>|<!--(?:[^-]|-[^-]|--[^>])*-->",
            "<[?][\\s\\S]*?[?]>",
            "<![A-Za-z][^>]*>",
            "<!\\[CDATA\\[[\\s\\S]*?\\]\\]>",
        )
    )
    + ")"
)

_BLOCK_NAMES = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|"
    "details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|"
    "h1|h2|h3|h4|h5|h6|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|"
    "noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|"
    "thead|title|tr|track|ul"
)
# (opening, closing, can interrupt a paragraph); types 1-5 end on their closing pattern.
_HTML_BLOCKS: tuple[tuple[re.Pattern[str], re.Pattern[str] | None, bool], ...] = (
    (
        re.compile(r"^<(?:script|pre|style|textarea)(?=[ \t\n\r>]|$)", re.IGNORECASE),
        re.compile(r"</(?:script|pre|style|textarea)>", re.IGNORECASE),
        True,
    ),
    (re.compile(r"^<!--"), re.compile(r"-->"), True),
    (re.compile(r"^<\?"), re.compile(r"\?>"), True),
    (re.compile(r"^<![A-Za-z]"), re.compile(r">"), True),
    (re.compile(r"^<!\[CDATA\["), re.compile(r"\]\]>"), True),
    (re.compile(f"^</?(?:{_BLOCK_NAMES})(?=[ \t\n\r]|/?>|$)", re.IGNORECASE), None, True),
    (re.compile(f"^(?:{_OPEN_TAG}|{_CLOSE_TAG}){_W}*$"), None, False),
)


def _html_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """html_block.go: like markdown-it's rule, but records whether a closure line ended it.

    goldmark keeps the line holding the end condition of types 1-5 (``</script>``, ``-->``,
    ...) as a separate closure and writes one more ``<!-- raw HTML omitted -->`` for it,
    unless the block opened and closed on the same line.
    """
    if state.is_code_block(start_line):
        return False
    pos = state.bMarks[start_line] + state.tShift[start_line]
    maximum = state.eMarks[start_line]
    if pos >= maximum or state.src[pos] != "<":
        return False
    line_text = state.src[pos:maximum]
    kind = next((seq for seq in _HTML_BLOCKS if seq[0].search(line_text)), None)
    if kind is None:
        return False
    _, closing, interrupts = kind
    if silent:
        return interrupts

    next_line = start_line + 1
    closure = False
    if closing is not None and closing.search(line_text):
        pass  # opened and closed on one line
    else:
        while next_line < end_line:
            if state.sCount[next_line] < state.blkIndent and (
                closing is None or not state.isEmpty(next_line)
            ):
                break
            pos = state.bMarks[next_line] + state.tShift[next_line]
            line_text = state.src[pos : state.eMarks[next_line]]
            if closing is None:
                if not line_text:
                    break
            elif closing.search(line_text):
                next_line += 1
                closure = True
                break
            next_line += 1

    state.line = next_line
    token = state.push("html_block", "", 0)
    token.map = [start_line, next_line]
    token.content = state.getLines(start_line, next_line, state.blkIndent, True)
    token.meta = {"closure": closure}
    return True


def _paragraph(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """paragraph.go trims IsSpace only, so VT, FF and NBSP at the edges stay text."""
    if not _paragraph_rule(state, start_line, end_line, silent):
        return False
    inline = state.tokens[-2]
    if inline.map is not None:
        begin, end = inline.map
        inline.content = state.getLines(begin, end, state.blkIndent, False).strip(_GO_SPACE)
    return True


def _html_inline(state: StateInline, silent: bool) -> bool:
    """raw_html.go with goldmark's whitespace (``<a\\f>`` is text, not a tag)."""
    pos = state.pos
    src = state.src
    if src[pos] != "<" or pos + 2 >= state.posMax:
        return False
    second = src[pos + 1]
    if second not in "!?/" and not ("a" <= second.lower() <= "z"):
        return False
    if src.find(">", pos, state.posMax) < 0:
        return False
    match = _INLINE_HTML_RE.match(src, pos, state.posMax)
    if match is None:
        return False
    if not silent:
        token = state.push("html_inline", "", 0)
        token.content = match.group(0)
    state.pos = match.end()
    return True


_DIGITAL_RE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));")
_NAMED_RE = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")


def _entity(state: StateInline, silent: bool) -> bool:
    """Entity references as defaultWriter.Write resolves them: ``&#1;`` stays U+0001."""
    src, pos = state.src, state.pos
    if src[pos] != "&":
        return False
    value: str | None = None
    match = _DIGITAL_RE.match(src, pos, state.posMax)
    if match is not None:
        hexa = match.group(1)
        value = valid_rune(int(hexa, 16) if hexa is not None else int(match.group(2)))
    else:
        match = _NAMED_RE.match(src, pos, state.posMax)
        if match is not None:
            value = _ENTITIES.get(match.group(1))
    if match is None or value is None:
        return False
    if not silent:
        token = state.push("text_special", "", 0)
        token.content = value
        token.markup = match.group(0)
        token.info = "entity"
    state.pos = match.end()
    return True


class _Result:
    """The result shape markdown-it's rules expect from its link helpers."""

    __slots__ = ("can_continue", "marker", "ok", "pos", "str")

    def __init__(self) -> None:
        self.ok = False
        self.can_continue = False
        self.pos = 0
        self.str = ""
        self.marker = 0


def _link_destination(string: str, pos: int, maximum: int) -> _Result:
    """parseLinkDestination (link.go): the raw destination, escapes and references unresolved.

    goldmark stops only at IsSpace, so control characters belong to the URL, and it has no
    limit on nested parentheses. The renderer resolves and escapes the raw value.
    """
    result = _Result()
    start = pos
    if pos < maximum and string[pos] == "<":
        pos += 1
        while pos < maximum:
            ch = string[pos]
            if ch in "\n<":
                return result
            if ch == ">":
                result.ok, result.pos, result.str = True, pos + 1, string[start + 1 : pos]
                return result
            pos += 2 if ch == "\\" and pos + 1 < maximum else 1
        return result
    level = 0
    while pos < maximum:
        ch = string[pos]
        if ch in _GO_SPACE:
            break
        if ch == "\\" and pos + 1 < maximum and string[pos + 1] in _ASCII_PUNCT:
            pos += 2
            continue
        if ch == "(":
            level += 1
        elif ch == ")":
            if level == 0:
                break
            level -= 1
        pos += 1
    if start == pos or level != 0:
        return result
    result.ok, result.pos, result.str = True, pos, string[start:pos]
    return result


def _link_title(string: str, start: int, maximum: int, prev: _Result | None = None) -> _Result:
    """markdown-it's parseLinkTitle, keeping the raw title for the renderer to resolve."""
    result = _Result()
    pos = start
    if prev is not None:
        result.str, result.marker = prev.str, prev.marker
    else:
        if pos >= maximum or string[pos] not in "\"'(":
            return result
        result.marker = ord(")") if string[pos] == "(" else ord(string[pos])
        start += 1
        pos += 1
    closer = chr(result.marker)
    while pos < maximum:
        ch = string[pos]
        if ch == closer:
            result.pos, result.ok = pos + 1, True
            result.str += string[start:pos]
            return result
        if ch == "(" and closer == ")":
            return result
        if ch == "\\" and pos + 1 < maximum:
            pos += 1
        pos += 1
    result.can_continue = True
    result.str += string[start:pos]
    return result


def _has_link(tokens: list[Token]) -> bool:
    """Whether a link (not an autolink) is anywhere among ``tokens``, images included."""
    for token in tokens:
        if token.type == "link_open" and token.markup != "autolink":
            return True
        if token.children and _has_link(token.children):
            return True
    return False


def _link(state: StateInline, silent: bool) -> bool:
    """A link inside an image inside this label makes ``[`` literal, as in goldmark.

    A link deactivates every earlier ``[`` opener, also across images; markdown-it only
    refuses a link directly inside another, so a label holding ``![`` is parsed on its own
    to look for one.
    """
    src, pos = state.src, state.pos
    if src[pos] == "[":
        label_end = parseLinkLabel(state, pos, True)
        label = src[pos + 1 : label_end]
        if label_end > pos and "![" in label:
            # Memoised per label text: nested labels would otherwise be parsed exponentially often.
            seen: dict[str, bool] = state.env.setdefault("_labels_with_links", {})
            if label not in seen:
                inner: list[Token] = []
                state.md.inline.parse(label, state.md, state.env, inner)
                seen[label] = _has_link(inner)
            if seen[label]:
                return False
    return _link_rule(state, silent)


def _normalize(state: StateCore) -> None:
    """Only NUL is replaced; CRLF is folded by :func:`render_markdown` and a lone CR is text
    (goldmark splits lines at LF only)."""
    state.src = state.src.replace("\0", "\ufffd")


class _Goldmark(MarkdownIt):
    """Links are kept raw: goldmark neither rejects nor normalises a destination or its text
    (the renderer escapes them), and its rules parse destinations and titles as link.go does."""

    def validateLink(self, url: str) -> bool:  # noqa: N802 - markdown-it's method name
        return True

    def normalizeLink(self, url: str) -> str:  # noqa: N802 - markdown-it's method name
        return url

    def normalizeLinkText(self, link: str) -> str:  # noqa: N802 - markdown-it's method name
        return link


# markdown-it's rules call the link parsers through ``md.helpers``, a module.
_LINK_HELPERS = ModuleType("goldmark_link_helpers")
vars(_LINK_HELPERS).update(
    parseLinkLabel=parseLinkLabel,
    parseLinkDestination=_link_destination,
    parseLinkTitle=_link_title,
)


def _build(max_nesting: int) -> MarkdownIt:
    md = _Goldmark("commonmark", {"html": True, "maxNesting": max_nesting})
    md.helpers = _LINK_HELPERS
    md.core.ruler.at("normalize", _normalize)
    md.block.ruler.at("html_block", _html_block, {"alt": ["paragraph", "reference", "blockquote"]})
    md.block.ruler.at("paragraph", _paragraph)
    md.inline.ruler.at("html_inline", _html_inline)
    md.inline.ruler.at("entity", _entity)
    md.inline.ruler.at("link", _link)
    return md


# goldmark has no nesting limit; markdown-it's CommonMark preset stops at 20 levels. Past what
# Python's recursion limit allows, the preset's limit is the fallback rather than a failure.
_MD = _build(1_000_000)
_MD_SHALLOW = _build(20)


def render_markdown(source: str) -> HTML:
    """Render Markdown source; the result is trusted HTML (not re-escaped by html/template)."""
    lines = source.split("\n")
    crlf: set[int] = set()
    for number in range(len(lines) - 1):
        if lines[number].endswith("\r"):
            lines[number] = lines[number][:-1]
            crlf.add(number)
    text = "\n".join(lines) if crlf else source
    try:
        tokens = _MD.parse(text, {})
    except RecursionError:
        tokens = _MD_SHALLOW.parse(text, {})
    return HTML(render_blocks(tokens, frozenset(crlf)))
