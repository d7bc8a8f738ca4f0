"""formatDateTime / formatTimeSlot in zones whose UTC offset has seconds (LMT and the like).

Go applies the zone's exact offset, so an input's seconds can move the displayed minute: New
York's LMT is -4:56:02, which makes 00:00:02Z the first second of 7:04 PM. Every expected value
below is that arithmetic on the tzdata offset named in the comment, not a recorded output.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, tzinfo

import pytest

from workers.notifications.render import render_part
from workers.notifications.render.gotime import _zone_name

META = {"site_url": "https://civic.example.org", "site_name": "Civic", "api_url": "https://api"}


def render(template: str, value: str, timezone: str = "America/New_York") -> str:
    entity = json.dumps({"v": value})
    return render_part(template, entity, html=False, metadata=META, timezone=timezone)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # America/New_York LMT -4:56:02 until 1883-11-18 17:00 UTC.
        ("1800-01-01T00:00:01Z", "Dec 31, 1799 7:03 PM LMT"),  # 19:03:59
        ("1800-01-01T00:00:02Z", "Dec 31, 1799 7:04 PM LMT"),  # 19:04:00
        ("1800-01-01T00:00:01.999999999Z", "Dec 31, 1799 7:03 PM LMT"),  # a fraction never carries
        ("1800-01-01T05:00:02+05:00", "Dec 31, 1799 7:04 PM LMT"),  # the same instant
        ("1800-01-01T04:56:01Z", "Dec 31, 1799 11:59 PM LMT"),  # 23:59:59
        ("1800-01-01T04:56:02Z", "Jan 1, 1800 12:00 AM LMT"),  # midnight
        ("1800-01-01T16:56:01Z", "Jan 1, 1800 11:59 AM LMT"),
        ("1800-01-01T16:56:02Z", "Jan 1, 1800 12:00 PM LMT"),  # noon
        ("1883-11-18T16:59:59Z", "Nov 18, 1883 12:03 PM LMT"),  # 12:03:57, last LMT second
        ("1883-11-18T17:00:00Z", "Nov 18, 1883 12:00 PM EST"),  # standard time begins
    ],
)
def test_format_date_time_keeps_the_seconds_of_new_york_lmt(value: str, expected: str) -> None:
    assert render("{{formatDateTime .Entity.v}}", value) == expected


@pytest.mark.parametrize(
    ("timezone", "value", "expected"),
    [
        # Asia/Kolkata LMT +5:53:28 until 1854.
        ("Asia/Kolkata", "1800-01-01T00:00:31Z", "Jan 1, 1800 5:53 AM LMT"),  # 05:53:59
        ("Asia/Kolkata", "1800-01-01T00:00:32Z", "Jan 1, 1800 5:54 AM LMT"),  # 05:54:00
        # Europe/Paris LMT +0:09:21 until 1891.
        ("Europe/Paris", "1800-01-01T00:00:38Z", "Jan 1, 1800 12:09 AM LMT"),  # 00:09:59
        ("Europe/Paris", "1800-01-01T00:00:39Z", "Jan 1, 1800 12:10 AM LMT"),  # 00:10:00
        # Africa/Monrovia MMT -0:44:30 from 1919 to 1972: not LMT, and after 1883.
        ("Africa/Monrovia", "1970-01-01T00:00:29Z", "Dec 31, 1969 11:15 PM MMT"),  # 23:15:59
        ("Africa/Monrovia", "1970-01-01T00:00:30Z", "Dec 31, 1969 11:16 PM MMT"),  # 23:16:00
    ],
)
def test_format_date_time_in_other_zones_with_second_offsets(
    timezone: str, value: str, expected: str
) -> None:
    assert render("{{formatDateTime .Entity.v}}", value, timezone) == expected


@pytest.mark.parametrize(
    ("slot", "expected"),
    [
        # One second apart, yet on two days: 23:59:59 and 00:00:00 LMT.
        (
            '["1800-01-01 04:56:01+00","1800-01-01 04:56:02+00")',
            "Dec 31, 1799 11:59 PM LMT - Jan 1, 1800 12:00 AM LMT",
        ),
        (
            '["1800-01-01 04:56:01.5+00","1800-01-01 04:56:02.5+00")',
            "Dec 31, 1799 11:59 PM LMT - Jan 1, 1800 12:00 AM LMT",
        ),
        (  # 19:04:00 and 20:03:59 LMT, both on Dec 31
            '["1800-01-01 00:00:02+00","1800-01-01 01:00:01+00")',
            "Dec 31, 1799 7:04 PM LMT - 8:03 PM LMT",
        ),
        (  # an hour-only offset: 09:56:02+05 is 04:56:02 UTC
            '["1800-01-01 09:56:01+05","1800-01-01 09:56:02+05")',
            "Dec 31, 1799 11:59 PM LMT - Jan 1, 1800 12:00 AM LMT",
        ),
    ],
)
def test_format_time_slot_keeps_the_seconds_of_new_york_lmt(slot: str, expected: str) -> None:
    assert render("{{formatTimeSlot .Entity.v}}", slot) == expected


class _Unnamed(tzinfo):
    """A zone without an abbreviation, which makes Go print the numeric -0700 form."""

    def __init__(self, seconds: int) -> None:
        self.offset = timedelta(seconds=seconds)

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return self.offset

    def tzname(self, dt: datetime | None) -> str | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (-17762, "-0456"),  # Go's offset/60 truncates toward zero: -296 minutes
        (21208, "+0553"),
        (-30, "+0000"),  # truncates to 0 minutes, which Go signs "+"
        (-60, "-0001"),
        (0, "+0000"),
    ],
)
def test_unnamed_zone_prints_a_truncated_numeric_offset(seconds: int, expected: str) -> None:
    local = datetime(2000, 1, 1, tzinfo=UTC).astimezone(_Unnamed(seconds))
    assert _zone_name(local) == expected
