"""``markdown`` against goldmark v1.8.5 (tests/conformance/goldmark_markdown.json), byte for byte.

Every golden case renders ``{{markdown .Entity.md}}`` through the real template renderer. The
hand-written cases below cover inputs the golden file has no example of; each expectation
follows directly from goldmark's source (renderer/html/html.go, util.URLEscape, text.Reader).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workers.notifications.render import render_part

VECTORS = Path(__file__).resolve().parents[1] / "conformance" / "goldmark_markdown.json"
SUITE: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = SUITE["cases"]


def _render(template: str, md: Any, *, html: bool = True) -> str:
    return render_part(
        template,
        json.dumps({"md": md}),
        html=html,
        metadata=SUITE["metadata"],
        timezone=SUITE["timezone"],
    )


def test_suite_is_complete() -> None:
    assert len(CASES) == 773
    assert all(c["template"] == "{{markdown .Entity.md}}" for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_goldmark(case: dict[str, Any]) -> None:
    output = render_part(
        case["template"],
        json.dumps(case["entity"]),
        html=case["engine"] == "html",
        metadata=SUITE["metadata"],
        timezone=SUITE["timezone"],
    )
    assert output == case["expect"]["output"]


def md(source: str) -> str:
    return _render("{{markdown .Entity.md}}", source)


# util.URLEscape: no punycode; every byte outside a-zA-Z0-9 and ;/?:@&=+$,-_.!~*'()# is
# percent-encoded (UTF-8 bytes, upper case) except an existing %XX; references resolve first.
@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[x](http://bücher.example/straße)", "http://b%C3%BCcher.example/stra%C3%9Fe"),
        (
            "[x](<http://例え.テスト/a b>)",
            "http://%E4%BE%8B%E3%81%88.%E3%83%86%E3%82%B9%E3%83%88/a%20b",
        ),
        ("[x](/a%20b%C3%A4)", "/a%20b%C3%A4"),
        ("[x](/100%)", "/100%25"),
        ("[x](/q?a=1&b=2)", "/q?a=1&amp;b=2"),
        ('[x](/a"b<c>[d]^`{|}\\\\)', "/a%22b%3Cc%3E%5Bd%5D%5E%60%7B%7C%7D%5C"),
        ("[x](/a\\*b&amp;c&#x41;&#66;)", "/a*b&amp;cAB"),
        ("[x](/😀~)", "/%F0%9F%98%80~"),
        ("[x][r]\n\n[r]: /ref/ü", "/ref/%C3%BC"),
    ],
)
def test_link_url_escaping(source: str, href: str) -> None:
    assert md(source) == f'<p><a href="{href}">x</a></p>\n'


def test_image_url_escaping_and_autolink() -> None:
    assert md("![a](/ö.png)") == '<p><img src="/%C3%B6.png" alt="a"></p>\n'
    # renderAutoLink escapes without resolving references; the label is written as is.
    assert md("<http://bücher.example/&amp;>") == (
        '<p><a href="http://b%C3%BCcher.example/&amp;amp;">http://bücher.example/&amp;amp;</a></p>\n'
    )


def test_dangerous_urls_are_emptied() -> None:
    assert md("[x](JavaScript:alert(1))") == '<p><a href="">x</a></p>\n'
    assert md("![x](data:text/html,x)") == '<p><img src="" alt="x"></p>\n'
    assert md("![x](data:image/png;base64,AA)") == (
        '<p><img src="data:image/png;base64,AA" alt="x"></p>\n'
    )


# text.Reader splits lines at LF only: CRLF ends a line (its CR stays in code lines, which are
# written raw), a lone CR is an ordinary character.
def test_crlf_input() -> None:
    assert md("a\r\nb\r\n") == "<p>a\nb</p>\n"
    assert md("# Title\r\n\r\ntext\r\n") == "<h1>Title</h1>\n<p>text</p>\n"
    assert md("- a\r\n- b\r\n") == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"
    assert md("```go\r\nx := 1\r\n```\r\n") == (
        '<pre><code class="language-go">x := 1\r\n</code></pre>\n'
    )
    assert md("    code\r\n") == "<pre><code>code\r\n</code></pre>\n"


def test_lone_cr_is_text() -> None:
    assert md("a\rb") == "<p>a\rb</p>\n"


# goldmark has no nesting limit (markdown-it's CommonMark preset stops at 20).
def test_deep_block_quotes() -> None:
    depth = 30
    assert md("> " * depth + "deep") == (
        "<blockquote>\n" * depth + "<p>deep</p>\n" + "</blockquote>\n" * depth
    )


def test_deep_lists() -> None:
    depth = 25
    source = "\n".join("  " * i + "- x" for i in range(depth))
    expected = "<ul>\n<li>x\n" * (depth - 1) + "<ul>\n<li>x</li>\n</ul>\n"
    expected += "</li>\n</ul>\n" * (depth - 1)
    assert md(source) == expected


def test_deep_emphasis_and_links() -> None:
    depth = 25
    assert md("*" * (2 * depth) + "x" + "*" * (2 * depth)) == (
        "<p>" + "<strong>" * depth + "x" + "</strong>" * depth + "</p>\n"
    )
    assert md("*a " * depth + "b" + "*" * depth) == (
        "<p>" + "<em>a " * depth + "b" + "</em>" * depth + "</p>\n"
    )


# nodeToHTMLText: the escaped text of every leaf, a newline for a soft line break.
@pytest.mark.parametrize(
    ("source", "alt"),
    [
        ("![a *b* **c** `d<e`](x)", "a b c d&lt;e"),
        ('![see [the docs](/d) & "more"](x)', "see the docs &amp; &quot;more&quot;"),
        ("![outer ![inner *em*](y) end](x)", "outer inner em end"),
        ("![a\\*b &amp; &lt;](x)", "a*b &amp; &lt;"),
        ("![one\ntwo](x)", "one\ntwo"),
    ],
)
def test_image_alt_text(source: str, alt: str) -> None:
    assert md(source) == f'<p><img src="x" alt="{alt}"></p>\n'


def test_markdown_inside_html_templates() -> None:
    source = "**Hi** <b>there</b> & [x](/y)"
    body = '<p><strong>Hi</strong> <!-- raw HTML omitted -->there<!-- raw HTML omitted --> &amp; <a href="/y">x</a></p>\n'
    # template.HTML: inserted as is in element content, in both engines.
    assert _render("<div>{{markdown .Entity.md}}</div>", source) == f"<div>{body}</div>"
    assert _render("{{markdown .Entity.md}}", source, html=False) == body
    assert _render("<p>{{.Entity.md}}</p>", "<b>") == "<p>&lt;b&gt;</p>"
    assert _render("{{markdown .Entity.md}}", 12) == ""
