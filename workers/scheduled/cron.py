"""Cron schedules as Civic OS's Go worker reads them (robfig/cron v3, standard parser), with
croniter computing the matches.

Go's parser takes exactly five fields (minute hour day-of-month month day-of-week), `?` for
`*`, month and weekday names, and an optional `CRON_TZ=`/`TZ=` prefix that overrides the
job's time zone; it rejects `@daily` and the like, six fields, `L`, `W`, `#` and weekday 7,
all of which croniter would accept, so they are refused here first. Go evaluates the fields
on the wall clock: a time a spring-forward change skips does not run that day (croniter
would run it at the first minute after the gap, so such a match is dropped), and a time a
fall-back change repeats runs twice (croniter agrees). A schedule that can never match
(`0 0 30 2 *`) is never due, where Go ran it about once a day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, croniter

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
FIELDS = (  # name, low, high, names (numbered from low)
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, MONTHS),
    ("day of week", 0, 6, DAYS),
)
_PREFIX = re.compile(r"^(?:CRON_TZ|TZ)=(\S+)\s+")
_TERM = re.compile(r"^(\*|\?|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:/([0-9]+))?$")
SEARCH_DAYS = 366 * 5
"""How far ahead a match is looked for (leap days included) before a schedule is impossible."""


class CronError(ValueError):
    """A schedule Go's parser would reject, or a zone that does not exist."""


@dataclass(frozen=True)
class Schedule:
    expression: str
    """The five fields, `?` written as `*`, names as numbers: what croniter is given."""
    zone: ZoneInfo | None
    """The `CRON_TZ=` zone, which overrides the job's own."""
    minutes: frozenset[int]
    hours: frozenset[int]

    def next_after(self, base: datetime, zone: ZoneInfo) -> datetime | None:
        """The first matching wall-clock minute strictly after `base`, in the schedule's
        zone (the prefix's, else `zone`); None when none comes within five years."""
        tz = self.zone or zone
        it = croniter(self.expression, base.astimezone(tz))
        limit = base + timedelta(days=SEARCH_DAYS)
        while True:
            try:
                due: datetime = it.get_next(datetime)
            except CroniterBadDateError:
                return None
            if due > limit:
                return None
            if due.minute in self.minutes and due.hour in self.hours:
                return due
            # croniter moved a time inside a spring-forward gap past it; Go skips it


def parse(text: str) -> Schedule:
    """A schedule, or CronError saying what Go's parser would have said no to."""
    rest = text.strip()
    zone = None
    if m := _PREFIX.match(rest):
        zone = zone_of(m.group(1))
        if zone is None:
            raise CronError(f"unknown time zone {m.group(1)!r} in {m.group(0).strip()!r}")
        rest = rest[m.end() :]
    if rest.startswith("@"):
        raise CronError(f"descriptors such as {rest.split()[0]!r} are not accepted: use 5 fields")
    fields = rest.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)} in {text!r}")
    out, allowed = [], []
    for value, (name, low, high, names) in zip(fields, FIELDS, strict=True):
        numbers: set[int] = set()
        terms = [_term(t, name, low, high, names, numbers) for t in value.split(",")]
        out.append(",".join(terms))
        allowed.append(frozenset(numbers))
    return Schedule(" ".join(out), zone, allowed[0], allowed[1])


def _term(
    term: str, field: str, low: int, high: int, names: tuple[str, ...], into: set[int]
) -> str:
    """One comma-separated term in croniter's numeric form; adds the values it allows."""
    m = _TERM.match(term)
    if not m:
        raise CronError(f"{field}: cannot parse {term!r}")
    span, step_text = m.groups()
    step = int(step_text) if step_text else 1
    if step < 1:
        raise CronError(f"{field}: step must be at least 1 in {term!r}")
    if span in ("*", "?"):
        start, end = low, high
        text = "*"
    else:
        bounds = [_value(v, field, low, high, names) for v in span.split("-")]
        start, end = bounds[0], bounds[-1]
        if start > end:
            raise CronError(f"{field}: range {term!r} runs backwards")
        if step_text and len(bounds) == 1:
            end = high  # Go: "5/15" means 5-max/15
        text = f"{start}-{end}" if (len(bounds) == 2 or step_text) else str(start)
    into.update(range(start, end + 1, step))
    return f"{text}/{step}" if step_text else text


def _value(text: str, field: str, low: int, high: int, names: tuple[str, ...]) -> int:
    if text.isdigit():
        n = int(text)
    elif text.upper() in names:
        n = names.index(text.upper()) + low
    else:
        raise CronError(f"{field}: {text!r} is not a number or a name")
    if not low <= n <= high:
        raise CronError(f"{field}: {n} is outside {low}-{high}")
    return n


def zone_of(name: str) -> ZoneInfo | None:
    """The job's `timezone` column, or None when it names no zone (Go falls back to UTC)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
