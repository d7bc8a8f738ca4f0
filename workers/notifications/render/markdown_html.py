"""goldmark's HTML renderer (renderer/html/html.go, default options) over markdown-it tokens.

markdown-it's own renderer follows markdown-it's conventions (``<li>`` line breaks, empty
block quotes, alt text, URL normalisation with punycode), which differ from goldmark's in
bytes. This module writes the token stream the way goldmark writes its AST: HTML void tags,
raw HTML omitted, dangerous URLs emptied, URLs escaped with ``util.URLEscape``.
"""

from __future__ import annotations

import html.entities
import re
from collections.abc import Sequence

from markdown_it.token import Token

OMITTED = "<!-- raw HTML omitted -->"

_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})

# util.urlEscapeTable: bytes written as they are (a-zA-Z0-9 and ;/?:@&=+$,-_.!~*'()#).
_URL_SAFE = frozenset(
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789;/?:@&=+$,-_.!~*'()#"
)
_HEX = frozenset(b"0123456789abcdefABCDEF")

_UNESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")
_NUMERIC_RE = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_NAMED_RE = re.compile(r"&([A-Za-z0-9]+);")
# defaultWriter.Write: backslash escapes, entity references (at most 6 hex / 7 decimal
# digits, decimal in base 10) and NUL, left to right.
_WRITE_RE = re.compile(
    r"\\([!-/:-@\[-`{-~])|&#[xX]([0-9a-fA-F]{1,6});|&#([0-9]{1,7});|&([A-Za-z0-9]+);|\x00"
)

_SAFE_DATA_IMAGES = ("png;", "gif;", "jpeg;", "webp;", "svg+xml;")


def escape_html(text: str) -> str:
    """util.EscapeHTML: only ``& < > "`` are escaped."""
    return text.translate(_HTML_ESCAPES)


def valid_rune(code: int) -> str:
    """util.ToValidRune: NUL, surrogates and values past U+10FFFF become U+FFFD."""
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return chr(code)


def _entity(name: str) -> str | None:
    return html.entities.html5.get(name + ";")


def write(raw: str) -> str:
    """defaultWriter.Write: resolve escapes and references in raw source, then escape HTML."""

    def repl(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return m.group(1)
        if m.group(2) is not None:
            return valid_rune(int(m.group(2), 16))
        if m.group(3) is not None:
            return valid_rune(int(m.group(3), 10))
        if m.group(4) is not None:
            found = _entity(m.group(4))
            return m.group(0) if found is None else found
        return "\ufffd"

    return escape_html(_WRITE_RE.sub(repl, raw))


def _numeric_reference(m: re.Match[str]) -> str:
    """util.ResolveNumericReferences: ParseUint(…, 16/0, 32) then ToValidRune."""
    hexa, dec = m.group(1), m.group(2)
    if hexa is not None:
        code = int(hexa, 16)
    else:
        if len(dec) >= 8:
            return m.group(0)
        # Base 0: a leading zero means octal there; an invalid octal parses as 0.
        try:
            code = int(dec, 8) if len(dec) > 1 and dec[0] == "0" else int(dec)
        except ValueError:
            code = 0
    if code > 0xFFFFFFFF:
        return "\ufffd"
    return valid_rune(code)


def _entity_name(m: re.Match[str]) -> str:
    found = _entity(m.group(1))
    return m.group(0) if found is None else found


def url_escape(url: str, resolve_reference: bool) -> str:
    """util.URLEscape: keep safe bytes and ``%XX``, percent-encode every other UTF-8 byte.

    Host names are not converted to punycode (goldmark has no IDN handling); non-ASCII
    characters anywhere in the URL are percent-encoded byte by byte.
    """
    if resolve_reference:
        url = _UNESCAPE_RE.sub(r"\1", url)
        url = _NUMERIC_RE.sub(_numeric_reference, url)
        url = _NAMED_RE.sub(_entity_name, url)
    data = url.encode("utf-8", "surrogatepass")
    out = bytearray()
    i, limit = 0, len(data)
    while i < limit:
        c = data[i]
        if c in _URL_SAFE:
            out.append(c)
            i += 1
        elif c == 0x25 and i + 2 < limit and data[i + 1] in _HEX:
            # goldmark tests the first digit twice; the second is not checked.
            out += data[i : i + 3]
            i += 3
        elif 0x80 <= c < 0xC0 or c >= 0xF8:
            out.append(c)  # not a UTF-8 leading byte: left as it is
            i += 1
        elif c == 0x20:
            out += b"%20"
            i += 1
        else:
            size = 1 if c < 0x80 else 2 if c < 0xE0 else 3 if c < 0xF0 else 4
            out += "".join(f"%{b:02X}" for b in data[i : i + size]).encode("ascii")
            i += size
    return out.decode("utf-8", "replace")


def is_dangerous_url(url: str) -> bool:
    """html.IsDangerousURL, on the raw destination."""
    lower = url.lower()
    if lower.startswith("data:image/"):
        return not lower[len("data:image/") :].startswith(_SAFE_DATA_IMAGES)
    return lower.startswith(("javascript:", "vbscript:", "file:", "data:"))


def _link_url(raw: str) -> str:
    return "" if is_dangerous_url(raw) else escape_html(url_escape(raw, True))


def _title(token: Token) -> str:
    title = token.attrGet("title")
    return "" if title is None else f' title="{write(str(title))}"'


def alt_text(children: Sequence[Token]) -> str:
    """nodeToHTMLText: the escaped text of every leaf, soft line breaks kept as newlines.

    Links, emphasis and nested images contribute only their text; raw HTML its escaped
    source; a hard line break nothing beyond the text before it.
    """
    parts: list[str] = []
    for token in children:
        kind = token.type
        if kind in ("text", "text_special", "code_inline", "html_inline"):
            parts.append(escape_html(token.content))
        elif kind == "softbreak":
            parts.append("\n")
        elif kind == "image":
            parts.append(alt_text(token.children or ()))
    return "".join(parts)


def render_inline(children: Sequence[Token]) -> str:
    """The inline renderers of html.Renderer for one paragraph, heading or list text."""
    out: list[str] = []
    for token in children:
        kind = token.type
        if kind in ("text", "text_special"):
            out.append(escape_html(token.content))
        elif kind == "softbreak":
            out.append("\n")
        elif kind == "hardbreak":
            out.append("<br>\n")
        elif kind == "code_inline":
            out.append(f"<code>{escape_html(token.content)}</code>")
        elif kind in ("em_open", "strong_open"):
            out.append(f"<{token.tag}>")
        elif kind in ("em_close", "strong_close"):
            out.append(f"</{token.tag}>")
        elif kind == "link_open":
            href = str(token.attrGet("href") or "")
            if token.markup == "autolink":  # renderAutoLink: no reference resolution
                out.append(f'<a href="{escape_html(url_escape(href, False))}">')
            else:
                out.append(f'<a href="{_link_url(href)}"{_title(token)}>')
        elif kind == "link_close":
            out.append("</a>")
        elif kind == "image":
            src = _link_url(str(token.attrGet("src") or ""))
            alt = alt_text(token.children or ())
            out.append(f'<img src="{src}" alt="{alt}"{_title(token)}>')
        elif kind == "html_inline":
            out.append(OMITTED)
    return "".join(out)


def _code_text(token: Token, first_line: int, crlf_lines: frozenset[int]) -> str:
    """Code lines as goldmark keeps them: CRLF line ends restored, last line ends in LF."""
    content = token.content
    if crlf_lines and content:
        lines = content.split("\n")
        for k in range(len(lines) - 1):
            if first_line + k in crlf_lines:
                lines[k] += "\r"
        content = "\n".join(lines)
    if content and not content.endswith("\n"):
        content += "\n"  # segments are read with ForceNewline: EOF counts as a newline
    return escape_html(content)


def render_blocks(tokens: Sequence[Token], crlf_lines: frozenset[int] = frozenset()) -> str:
    """The block renderers of html.Renderer; ``crlf_lines`` are source lines that ended CRLF."""
    out: list[str] = []
    last = len(tokens) - 1
    for i, token in enumerate(tokens):
        kind = token.type
        if kind == "inline":
            out.append(render_inline(token.children or ()))
        elif kind == "paragraph_open":
            if not token.hidden:
                out.append("<p>")
        elif kind == "paragraph_close":
            if not token.hidden:
                out.append("</p>\n")
            elif i < last and tokens[i + 1].type != "list_item_close":
                out.append("\n")  # renderTextBlock: a newline when a sibling follows
        elif kind == "heading_open":
            out.append(f"<{token.tag}>")
        elif kind == "heading_close":
            out.append(f"</{token.tag}>\n")
        elif kind == "blockquote_open":
            out.append("<blockquote>\n")
        elif kind == "blockquote_close":
            out.append("</blockquote>\n")
        elif kind == "bullet_list_open":
            out.append("<ul>\n")
        elif kind == "bullet_list_close":
            out.append("</ul>\n")
        elif kind == "ordered_list_open":
            start = token.attrGet("start")
            if start is not None and int(start) != 1:
                out.append(f'<ol start="{int(start)}">\n')
            else:
                out.append("<ol>\n")
        elif kind == "ordered_list_close":
            out.append("</ol>\n")
        elif kind == "list_item_open":
            out.append("<li>")
            nxt = tokens[i + 1] if i < last else None
            text_block = nxt is not None and nxt.type == "paragraph_open" and nxt.hidden
            if nxt is not None and nxt.type != "list_item_close" and not text_block:
                out.append("\n")  # the first child is not a TextBlock
        elif kind == "list_item_close":
            out.append("</li>\n")
        elif kind == "hr":
            out.append("<hr>\n")
        elif kind == "code_block":
            first = token.map[0] if token.map else 0
            out.append(f"<pre><code>{_code_text(token, first, crlf_lines)}</code></pre>\n")
        elif kind == "fence":
            first = token.map[0] + 1 if token.map else 0
            info = token.info.strip(" \t\r\n")  # IsSpace-trimmed, as fcode_block.go does
            language = f' class="language-{write(info.split(" ", 1)[0])}"' if info else ""
            code = _code_text(token, first, crlf_lines)
            out.append(f"<pre><code{language}>{code}</code></pre>\n")
        elif kind == "html_block":
            out.append(OMITTED + "\n")
            if token.meta.get("closure"):
                out.append(OMITTED + "\n")  # the closure line is written separately
    return "".join(out)
