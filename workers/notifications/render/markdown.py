"""``markdown``: CommonMark to HTML with goldmark's default (safe) rendering.

goldmark, which the Go worker uses, omits raw HTML (``<!-- raw HTML omitted -->``) and empties
dangerous link and image URLs instead of dropping the link. markdown-it-py's CommonMark preset
is configured to behave the same way.
"""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .values import HTML

_OMITTED = "<!-- raw HTML omitted -->"
_SAFE_DATA_IMAGES = ("png;", "gif;", "jpeg;", "webp;")


def is_dangerous_url(url: str) -> bool:
    """goldmark's html.IsDangerousURL."""
    lower = url.lower()
    if lower.startswith("data:image/"):
        return not lower[len("data:image/") :].startswith(_SAFE_DATA_IMAGES)
    return lower.startswith(("javascript:", "vbscript:", "file:", "data:"))


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "xhtmlOut": False})
    md.validateLink = lambda url: True  # type: ignore[method-assign]

    def raw_block(_: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        return _OMITTED + "\n"

    def raw_inline(_: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        return _OMITTED

    def link_open(_: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        if is_dangerous_url(str(token.attrGet("href") or "")):
            token.attrSet("href", "")
        return md.renderer.renderToken(tokens, idx, options, env)

    default_image = md.renderer.rules["image"]

    def image(_: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        if is_dangerous_url(str(token.attrGet("src") or "")):
            token.attrSet("src", "")
        return default_image(tokens, idx, options, env)

    # Rules are bound to the renderer, hence the leading ``_`` (self) parameter.
    md.add_render_rule("html_block", raw_block)
    md.add_render_rule("html_inline", raw_inline)
    md.add_render_rule("link_open", link_open)
    md.add_render_rule("image", image)
    return md


_MD = _build()


def render_markdown(source: str) -> HTML:
    """Render Markdown source; the result is trusted HTML (not re-escaped by html/template)."""
    return HTML(_MD.render(source))
