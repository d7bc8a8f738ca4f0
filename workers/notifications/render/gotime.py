"""The slice of Go's ``time`` package the Civic OS functions use: three parse layouts and two
output formats, with Go's leniency (1-digit hours, comma fractions, ``+24:00`` offsets) and
strictness (``2025-02-29`` is out of range, ``+0000`` leaves extra text).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_GREGORIAN_CYCLE = timedelta(days=146097)  # 400 years: same weekdays and leap pattern
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _ParseError(Exception):
    """The value does not fit the layout being tried."""


@dataclass(frozen=True)
class GoTime:
    """A parsed instant: wall-clock fields plus the UTC offset (seconds) they were written in.

    Whole seconds are kept (a fraction never moves the displayed minute): a zone whose offset
    has seconds, such as New York's LMT (-4:56:02), turns them into a different minute.
    """

    year: int
    month: int
    day: int
    hour: int = 0
    minute: int = 0
    offset: int = 0
    second: int = 0

    def utc_seconds(self) -> int:
        days = _days_from_civil(self.year, self.month, self.day)
        return days * 86400 + self.hour * 3600 + self.minute * 60 + self.second - self.offset


def _days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _days_in(month: int, year: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


class _Scanner:
    def __init__(self, value: str) -> None:
        self.v = value

    def digit(self, i: int) -> bool:
        return len(self.v) > i and "0" <= self.v[i] <= "9"

    def num(self, fixed: bool) -> int:
        if not self.digit(0):
            raise _ParseError
        if not self.digit(1):
            if fixed:
                raise _ParseError
            n, self.v = int(self.v[0]), self.v[1:]
            return n
        n, self.v = int(self.v[:2]), self.v[2:]
        return n

    def literal(self, text: str) -> None:
        for ch in text:
            if ch == " ":
                if self.v and self.v[0] != " ":
                    raise _ParseError
                self.v = self.v.lstrip(" ")
                continue
            if not self.v or self.v[0] != ch:
                raise _ParseError
            self.v = self.v[1:]

    def year(self) -> int:
        if len(self.v) < 4 or not all("0" <= c <= "9" for c in self.v[:4]):
            raise _ParseError
        y, self.v = int(self.v[:4]), self.v[4:]
        return y

    def date(self) -> tuple[int, int, int]:
        year = self.year()
        self.literal("-")
        month = self.num(True)
        if not 1 <= month <= 12:
            raise _ParseError
        self.literal("-")
        return year, month, self.num(True)

    def clock(self) -> tuple[int, int, int]:
        hour = self.num(False)
        if hour >= 24:
            raise _ParseError
        self.literal(":")
        minute = self.num(True)
        if minute >= 60:
            raise _ParseError
        self.literal(":")
        second = self.num(True)
        if second >= 60:
            raise _ParseError
        if len(self.v) >= 2 and self.v[0] in ".," and self.digit(1):
            n = 2
            while self.digit(n):
                n += 1
            self.v = self.v[n:]
        return hour, minute, second

    def offset(self, colon: bool) -> int:
        v = self.v
        if colon:
            if len(v) < 6 or v[3] != ":":
                raise _ParseError
            sign, hh, mm, self.v = v[0], v[1:3], v[4:6], v[6:]
        else:
            if len(v) < 3:
                raise _ParseError
            sign, hh, mm, self.v = v[0], v[1:3], "00", v[3:]
        if not all("0" <= c <= "9" for c in hh + mm):
            raise _ParseError
        hr, mn = int(hh), int(mm)
        if hr > 24 or mn > 60 or sign not in "+-":
            raise _ParseError
        seconds = (hr * 60 + mn) * 60
        return -seconds if sign == "-" else seconds

    def done(self, t: GoTime) -> GoTime:
        if self.v or not 1 <= t.day <= _days_in(t.month, t.year):
            raise _ParseError
        return t


def _parse_timestamp(value: str, separator: str, iso_zone: bool) -> GoTime | None:
    """Date, separator, clock and zone: ``Z07:00`` (ISO, with Z) or ``-07`` (hours only)."""
    s = _Scanner(value)
    try:
        year, month, day = s.date()
        s.literal(separator)
        hour, minute, second = s.clock()
        if iso_zone and s.v[:1] == "Z":
            s.v, offset = s.v[1:], 0
        else:
            offset = s.offset(colon=iso_zone)
        return s.done(GoTime(year, month, day, hour, minute, offset, second))
    except _ParseError:
        return None


def parse_rfc3339(value: str) -> GoTime | None:
    """time.Parse(time.RFC3339, value)."""
    return _parse_timestamp(value, "T", iso_zone=True)


def parse_pg_timestamp(value: str) -> GoTime | None:
    """time.Parse("2006-01-02 15:04:05-07", value): PostgreSQL timestamptz text."""
    return _parse_timestamp(value, " ", iso_zone=False)


def parse_date(value: str) -> GoTime | None:
    """time.Parse("2006-01-02", value)."""
    s = _Scanner(value)
    try:
        return s.done(GoTime(*s.date()))
    except _ParseError:
        return None


@dataclass(frozen=True)
class Local:
    """Wall-clock time in a zone, enough for Go's "Jan 2, 2006 3:04 PM MST" layouts."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    zone: str

    def date_text(self) -> str:
        return f"{_MONTHS[self.month - 1]} {self.day}, {_year(self.year)}"

    def clock_text(self) -> str:
        hour12 = self.hour % 12 or 12
        return f"{hour12}:{self.minute:02d} {'PM' if self.hour >= 12 else 'AM'} {self.zone}"

    def ymd(self) -> tuple[int, int, int]:
        return self.year, self.month, self.day


def _year(y: int) -> str:
    return f"-{-y:04d}" if y < 0 else f"{y:04d}"


def in_zone(t: GoTime, zone: ZoneInfo) -> Local:
    """Convert to ``zone`` (Go's Time.In), shifting by 400-year cycles outside 1..9999."""
    seconds = t.utc_seconds()
    shift = 0
    while seconds < -62135596800 + 2 * 86400:  # before 0001-01-03
        seconds += int(_GREGORIAN_CYCLE.total_seconds())
        shift -= 400
    while seconds > 253402300799 - 2 * 86400:  # after 9999-12-29
        seconds -= int(_GREGORIAN_CYCLE.total_seconds())
        shift += 400
    local = (_EPOCH + timedelta(seconds=seconds)).astimezone(zone)
    return Local(
        local.year + shift, local.month, local.day, local.hour, local.minute, _zone_name(local)
    )


def _zone_name(local: datetime) -> str:
    """The abbreviation, else Go's -0700 fallback: offset/60 truncates, dropping odd seconds."""
    name = local.tzname()
    if name:
        return name
    offset = int((local.utcoffset() or timedelta(0)).total_seconds())
    minutes = abs(offset) // 60
    sign = "-" if minutes and offset < 0 else "+"
    return f"{sign}{minutes // 60:02d}{minutes % 60:02d}"


def format_date(t: GoTime) -> str:
    """``t.Format("Jan 2, 2006")`` with no zone conversion."""
    return f"{_MONTHS[t.month - 1]} {t.day}, {_year(t.year)}"
