"""The Civic OS template functions (spec section 4.5), ported from the Go worker's renderer.go.

Each keeps Go's contract: on unparsable input the raw value is returned, and the parameter
types (``string`` vs ``interface{}``) decide which calls are execution errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .funcs import ANY, STRING, GoFunc, fixed, variadic
from .goprintf import sprintf
from .gotime import format_date, in_zone, parse_date, parse_pg_timestamp, parse_rfc3339
from .markdown import render_markdown
from .values import HTML

# Go RE2 semantics: negated classes match newlines too, and \s is ASCII whitespace only.
_TSTZRANGE = re.compile(r'\["?([^",]+)"?,[\t\n\f\r ]*"?([^")]+)"?\)')
_NON_DIGIT = re.compile(r"[^0-9]")
_BREAKPOINTS = ("desktop", "tablet", "mobile", "original")

StaticAssetLookup = Callable[[str, str], str]


@lru_cache(maxsize=64)
def load_zone(name: str) -> ZoneInfo:
    """time.LoadLocation: "" and "UTC" mean UTC; an unknown zone is a configuration error."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"unknown timezone {name!r}: {err}") from None


def format_time_slot(value: str, zone: ZoneInfo) -> str:
    match = _TSTZRANGE.search(value)
    if match is None:
        return value
    start, end = parse_pg_timestamp(match.group(1)), parse_pg_timestamp(match.group(2))
    if start is None or end is None:
        return value
    a, b = in_zone(start, zone), in_zone(end, zone)
    if a.ymd() == b.ymd():
        return f"{a.date_text()} {a.clock_text()} - {b.clock_text()}"
    return f"{a.date_text()} {a.clock_text()} - {b.date_text()} {b.clock_text()}"


def format_date_time(value: str, zone: ZoneInfo) -> str:
    t = parse_rfc3339(value)
    if t is None:
        return value
    local = in_zone(t, zone)
    return f"{local.date_text()} {local.clock_text()}"


def format_date_only(value: str) -> str:
    t = parse_date(value)
    return value if t is None else format_date(t)


def format_money(value: Any) -> str:
    if type(value) is str:
        return value
    if type(value) is float:
        return sprintf("$%.2f", value)
    return sprintf("%v", value)


def format_phone(value: str) -> str:
    digits = _NON_DIGIT.sub("", value)
    if len(digits) != 10:
        return value
    return f"({digits[0:3]}) {digits[3:6]}-{digits[6:10]}"


def civic_funcs(zone: ZoneInfo, static_asset: StaticAssetLookup | None) -> dict[str, GoFunc]:
    """The custom FuncMap, bound to a timezone and a static-asset resolver."""

    def static(slug: str, *breakpoint: str) -> str:
        if static_asset is None:
            return ""
        bp = breakpoint[0] if breakpoint and breakpoint[0] else "desktop"
        return static_asset(slug, bp if bp in _BREAKPOINTS else "desktop")

    def markdown(value: Any) -> HTML:
        return render_markdown(value) if type(value) is str else HTML("")

    funcs = (
        fixed("formatTimeSlot", lambda v: format_time_slot(v, zone), STRING),
        fixed("formatDateTime", lambda v: format_date_time(v, zone), STRING),
        fixed("formatDate", format_date_only, STRING),
        fixed("formatMoney", format_money, ANY),
        fixed("formatPhone", format_phone, STRING),
        variadic("staticAsset", static, STRING, STRING),
        fixed("markdown", markdown, ANY),
    )
    return {f.name: f for f in funcs}


CIVIC_FUNC_NAMES = frozenset(
    (
        "formatTimeSlot",
        "formatDateTime",
        "formatDate",
        "formatMoney",
        "formatPhone",
        "staticAsset",
        "markdown",
    )
)
