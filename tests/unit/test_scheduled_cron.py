"""Cron schedules read as the Go worker (robfig/cron v3) reads them, and the scheduler's
choice of slot: what croniter alone would get wrong is pinned here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from workers.scheduled.cron import CronError, parse
from workers.scheduled.handlers import due_slot, outcome, rfc3339

NY = ZoneInfo("America/New_York")


def runs(schedule: str, start: datetime, n: int, zone: ZoneInfo = NY) -> list[str]:
    s, out, t = parse(schedule), [], start
    for _ in range(n):
        nxt = s.next_after(t, zone)
        assert nxt is not None
        out.append(nxt.isoformat())
        t = nxt
    return out


def test_a_time_skipped_by_spring_forward_does_not_run_that_day():
    assert runs("30 2 * * *", datetime(2026, 3, 7, 12, tzinfo=NY), 2) == [
        "2026-03-09T02:30:00-04:00",  # croniter alone: 2026-03-08T03:00
        "2026-03-10T02:30:00-04:00",
    ]


def test_a_time_repeated_by_fall_back_runs_twice():
    assert runs("30 1 * * *", datetime(2026, 10, 31, 12, tzinfo=NY), 3) == [
        "2026-11-01T01:30:00-04:00",
        "2026-11-01T01:30:00-05:00",
        "2026-11-02T01:30:00-05:00",
    ]


def test_an_hourly_schedule_keeps_every_existing_hour_across_the_gap():
    got = runs("0 * * * *", datetime(2026, 3, 8, 0, 30, tzinfo=NY), 3)
    assert got == ["2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00",
                   "2026-03-08T04:00:00-04:00"]  # fmt: skip


def test_cron_tz_prefix_overrides_the_jobs_zone():
    s = parse("CRON_TZ=Europe/Berlin 0 8 * * *")
    nxt = s.next_after(datetime(2026, 6, 1, tzinfo=UTC), NY)
    assert nxt is not None and nxt.isoformat() == "2026-06-01T08:00:00+02:00"
    assert parse("TZ=UTC 0 8 * * *").zone == ZoneInfo("UTC")


def test_names_question_marks_steps_and_day_or():
    assert runs("0 9 ? * MON-FRI", datetime(2026, 6, 5, 12, tzinfo=NY), 2) == [
        "2026-06-08T09:00:00-04:00", "2026-06-09T09:00:00-04:00"]  # fmt: skip
    assert runs("5/20 * * * *", datetime(2026, 6, 1, tzinfo=UTC), 3, ZoneInfo("UTC")) == [
        "2026-06-01T00:05:00+00:00", "2026-06-01T00:25:00+00:00", "2026-06-01T00:45:00+00:00"]  # fmt: skip
    # day of month and day of week both restricted: either matches (13th, or any Friday)
    got = runs("0 0 13 * FRI", datetime(2026, 2, 1, tzinfo=UTC), 3, ZoneInfo("UTC"))
    assert got == ["2026-02-06T00:00:00+00:00", "2026-02-13T00:00:00+00:00",
                   "2026-02-20T00:00:00+00:00"]  # fmt: skip


@pytest.mark.parametrize(
    ("schedule", "error"),
    [
        ("@daily", "descriptors"),
        ("0 0 * * * *", "exactly 5 fields"),
        ("0 0 *", "exactly 5 fields"),
        ("0 0 L * *", "not a number or a name"),
        ("0 0 * * 5#2", "cannot parse"),
        ("0 0 * * 7", "outside 0-6"),
        ("60 0 * * *", "outside 0-59"),
        ("0 0 * * FRI-MON", "runs backwards"),
        ("CRON_TZ=Mars/Olympus 0 0 * * *", "unknown time zone"),
        ("*/0 * * * *", "step must be at least 1"),
    ],
)
def test_what_gos_parser_rejects_is_rejected(schedule, error):
    with pytest.raises(CronError, match=error):
        parse(schedule)


def test_an_impossible_schedule_is_never_due():
    assert parse("0 0 30 2 *").next_after(datetime(2026, 1, 1, tzinfo=UTC), NY) is None


def row(schedule="0 8 * * *", tz="UTC", last=None, created="2026-01-01T00:00:00+00:00"):
    return {"id": 1, "name": "j", "schedule": schedule, "timezone": tz, "last_run_at": last,
            "created_at": created}  # fmt: skip


def test_a_never_run_job_catches_up_at_most_one_slot_of_the_last_day():
    now = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    assert due_slot(row(), now) == (datetime(2026, 6, 10, 8, 0, tzinfo=UTC), "scheduler")
    assert due_slot(row(created="2026-06-10T08:30:00+00:00"), now) is None


def test_a_slot_over_an_hour_late_is_a_catchup_and_missed_slots_collapse_into_one():
    now = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    slot, how = due_slot(row("0 * * * *", last="2026-06-10T05:00:10+00:00"), now)
    assert (slot, how) == (datetime(2026, 6, 10, 6, 0, tzinfo=UTC), "catchup")
    assert due_slot(row("0 * * * *", last="2026-06-10T08:00:10+00:00"), now) == (
        datetime(2026, 6, 10, 9, 0, tzinfo=UTC), "scheduler")  # fmt: skip


def test_an_unknown_zone_falls_back_to_utc_and_a_bad_schedule_is_skipped():
    now = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    assert due_slot(row(tz="Nowhere/City"), now) == (now - timedelta(hours=1), "scheduler")
    assert due_slot(row("@hourly"), now) is None


def test_scheduled_for_is_written_as_go_writes_rfc3339():
    assert rfc3339(datetime(2026, 6, 1, 8, tzinfo=NY)) == "2026-06-01T08:00:00-04:00"
    assert rfc3339(datetime(2026, 6, 1, 8, 0, 0, 5, tzinfo=UTC)) == "2026-06-01T08:00:00Z"
    assert rfc3339(datetime(2026, 1, 1, 8, tzinfo=ZoneInfo("Europe/London"))) == (
        "2026-01-01T08:00:00Z")  # fmt: skip


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ('{"success": true, "message": "ok", "n": 3}',
         (True, "ok", {"success": True, "message": "ok", "n": 3})),
        ('{"message": "no success key"}', (True, "no success key", {"message": "no success key"})),
        ('{"success": false, "message": "bad"}', (False, "bad", {"success": False, "message": "bad"})),
        ("plain text", (True, "plain text", None)),
        ("", (True, None, None)),
        (None, (True, None, None)),
        ("42", (True, "42", {"result": 42})),
    ],
)  # fmt: skip
def test_a_functions_result_becomes_success_message_and_details(result, expected):
    assert outcome(result) == expected


def test_the_daily_cleanup_ticks_at_three_in_the_morning_utc():
    from supervisor.periodic import tick_of
    from workers.scheduled.spec import SPEC

    cleanup = next(j for j in SPEC.periodic if j.kind == "gallery_cleanup")
    at = datetime(2026, 6, 10, 2, 59, tzinfo=UTC).timestamp()
    assert datetime.fromtimestamp(tick_of(cleanup, at), UTC) == datetime(2026, 6, 9, 3, tzinfo=UTC)
    at = datetime(2026, 6, 10, 3, 0, 1, tzinfo=UTC).timestamp()
    assert datetime.fromtimestamp(tick_of(cleanup, at), UTC) == datetime(2026, 6, 10, 3, tzinfo=UTC)
