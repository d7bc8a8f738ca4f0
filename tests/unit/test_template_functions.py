"""Civic OS template functions: markdown, staticAsset and the time/money/phone formatters."""

from __future__ import annotations

import json
from typing import Any

import pytest

from workers.notifications.render import TemplateExecError, render_part

META = {"site_url": "https://civic.example.org", "site_name": "Civic", "api_url": "https://api"}


def render(
    template: str,
    entity: dict[str, Any] | None = None,
    *,
    html: bool = False,
    timezone: str = "America/New_York",
    static_asset: Any = None,
) -> str:
    return render_part(
        template,
        json.dumps(entity or {}),
        html=html,
        metadata=META,
        timezone=timezone,
        static_asset=static_asset,
    )


# -- markdown ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "# Title\n\nSome *em* and **strong**.",
            "<h1>Title</h1>\n<p>Some <em>em</em> and <strong>strong</strong>.</p>\n",
        ),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"),
        ("line  \nbreak", "<p>line<br>\nbreak</p>\n"),
        ("<div>raw</div>", "<!-- raw HTML omitted -->\n"),
        ("x <span>y</span>", "<p>x <!-- raw HTML omitted -->y<!-- raw HTML omitted --></p>\n"),
        ("[go](javascript:alert(1))", '<p><a href="">go</a></p>\n'),
        ("[go](VBScript:x)", '<p><a href="">go</a></p>\n'),
        ("[f](file:///etc/passwd)", '<p><a href="">f</a></p>\n'),
        (
            "![p](data:image/png;base64,AAAA)",
            '<p><img src="data:image/png;base64,AAAA" alt="p"></p>\n',
        ),
        ("![s](data:text/html;base64,AAAA)", '<p><img src="" alt="s"></p>\n'),
        (
            "<https://civic.example.org>",
            '<p><a href="https://civic.example.org">https://civic.example.org</a></p>\n',
        ),
        ("| a | b |\n|---|---|\n| 1 | 2 |", "<p>| a | b |\n|---|---|\n| 1 | 2 |</p>\n"),
        ("~~strike~~", "<p>~~strike~~</p>\n"),
    ],
)
def test_markdown_is_commonmark_with_safe_defaults(source: str, expected: str) -> None:
    assert render("{{markdown .Entity.md}}", {"md": source}) == expected


@pytest.mark.parametrize("value", [42, None, [1], {"a": 1}, True])
def test_markdown_of_a_non_string_is_empty(value: Any) -> None:
    assert render("[{{markdown .Entity.v}}]", {"v": value}) == "[]"


def test_markdown_of_a_missing_value_is_empty() -> None:
    assert render("[{{markdown .Entity.missing}}]") == "[]"


def test_markdown_output_is_not_escaped_again_in_html() -> None:
    assert render("<div>{{markdown .Entity.md}}</div>", {"md": "a & b"}, html=True) == (
        "<div><p>a &amp; b</p>\n</div>"
    )


def test_markdown_result_is_template_html() -> None:
    assert render('{{printf "%T" (markdown "x")}}') == "template.HTML"


# -- staticAsset -------------------------------------------------------------------------------
class Lookup:
    def __init__(self, url: str = "https://cdn.example/logo.png") -> None:
        self.url = url
        self.calls: list[tuple[str, str]] = []

    def __call__(self, slug: str, breakpoint: str) -> str:
        self.calls.append((slug, breakpoint))
        return self.url


@pytest.mark.parametrize(
    ("args", "breakpoint"),
    [
        ('"logo"', "desktop"),
        ('"logo" "mobile"', "mobile"),
        ('"logo" "tablet"', "tablet"),
        ('"logo" "original"', "original"),
        ('"logo" ""', "desktop"),
        ('"logo" "huge"', "desktop"),
    ],
)
def test_static_asset_asks_the_lookup(args: str, breakpoint: str) -> None:
    lookup = Lookup()
    assert render("{{staticAsset " + args + "}}", static_asset=lookup) == lookup.url
    assert lookup.calls == [("logo", breakpoint)]


def test_static_asset_without_lookup_is_empty() -> None:
    assert render('[{{staticAsset "logo"}}]') == "[]"


def test_static_asset_url_is_escaped_as_a_url_in_html() -> None:
    lookup = Lookup("https://cdn.example/a b.png")
    assert render('<img src="{{staticAsset "logo"}}">', html=True, static_asset=lookup) == (
        '<img src="https://cdn.example/a%20b.png">'
    )


def test_static_asset_needs_string_arguments() -> None:
    with pytest.raises(TemplateExecError):
        render("{{staticAsset 1}}", static_asset=Lookup())


# -- time, money, phone --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("timezone", "expected"),
    [
        ("UTC", "Mar 15, 2025 7:00 PM UTC"),
        ("", "Mar 15, 2025 7:00 PM UTC"),
        ("Europe/Berlin", "Mar 15, 2025 8:00 PM CET"),
        ("Asia/Kolkata", "Mar 16, 2025 12:30 AM IST"),
        ("America/Los_Angeles", "Mar 15, 2025 12:00 PM PDT"),
    ],
)
def test_format_date_time_converts_to_the_configured_zone(timezone: str, expected: str) -> None:
    out = render("{{formatDateTime .Entity.t}}", {"t": "2025-03-15T19:00:00Z"}, timezone=timezone)
    assert out == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-15T9:05:00Z", "Mar 15, 2025 5:05 AM EDT"),  # Go accepts a 1-digit hour
        ("2025-03-15T19:00:00+24:00", "Mar 14, 2025 3:00 PM EDT"),  # offsets up to 24h
        ("2025-03-15T19:00:00.123456789Z", "Mar 15, 2025 3:00 PM EDT"),
        ("2025-03-15T19:00:00+0000", "2025-03-15T19:00:00+0000"),
        ("2025-03-15T19:00Z", "2025-03-15T19:00Z"),
        ("1800-01-01T00:00:00Z", "Dec 31, 1799 7:03 PM LMT"),
    ],
)
def test_format_date_time_parsing_edges(value: str, expected: str) -> None:
    assert render("{{formatDateTime .Entity.t}}", {"t": value}) == expected


def test_format_time_slot_accepts_several_spaces_before_the_time() -> None:
    slot = '["2025-03-15  14:00:00+00","2025-03-15 16:00:00+00")'
    assert render("{{formatTimeSlot .Entity.s}}", {"s": slot}) == (
        "Mar 15, 2025 10:00 AM EDT - 12:00 PM EDT"
    )


def test_format_time_slot_across_a_year_boundary() -> None:
    slot = '["2025-12-31 23:00:00+00","2026-01-01 06:00:00+00")'
    assert render("{{formatTimeSlot .Entity.s}}", {"s": slot}, timezone="UTC") == (
        "Dec 31, 2025 11:00 PM UTC - Jan 1, 2026 6:00 AM UTC"
    )


def test_format_date_ignores_the_timezone() -> None:
    assert render("{{formatDate .Entity.d}}", {"d": "2024-02-29"}, timezone="Asia/Tokyo") == (
        "Feb 29, 2024"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1234.5, "$1234.50"), (-0.004, "$-0.00"), ("€5", "€5"), (None, "<nil>"), (False, "false")],
)
def test_format_money(value: Any, expected: str) -> None:
    assert render("{{formatMoney .Entity.v}}", {"v": value}) == expected


def test_format_money_of_a_template_integer_uses_percent_v() -> None:
    assert render("{{formatMoney 5}} {{formatMoney 2.5}}") == "5 $2.50"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("(555) 123-4567", "(555) 123-4567"),
        ("555.123.4567 ext", "(555) 123-4567"),
        ("٥٥٥١٢٣٤٥٦٧", "٥٥٥١٢٣٤٥٦٧"),
    ],
)
def test_format_phone_counts_ascii_digits_only(value: str, expected: str) -> None:
    assert render("{{formatPhone .Entity.p}}", {"p": value}) == expected


def test_unknown_timezone_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="unknown timezone 'Mars/Olympus'"):
        render("{{formatDate .Entity.d}}", {"d": "2025-01-01"}, timezone="Mars/Olympus")
