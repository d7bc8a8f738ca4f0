"""The worker harness hands handlers what production hands them, and records what it records."""

from __future__ import annotations

from typing import Any

from tests.support.database import scalar
from tests.support.worker_harness import run_handler
from workers.errors import JobCancel, JobSnooze
from workers.job import Job, JobContext
from workers.spec import WorkerSpec

SPEC = WorkerSpec(
    name="probe",
    queue="probe",
    kinds=("probe",),
    max_workers=1,
    handlers="unused:HANDLERS",
    statements={
        "values": "SELECT timestamptz '2026-01-02 03:04:05+00' AS at, '\\x6162'::bytea AS raw,"
        " 1.50::numeric AS amount, %(echo)s::jsonb AS echo",
        "record": "INSERT INTO {schema}.probe_notes (note) VALUES (%(note)s)",
    },
)


def test_query_rows_and_args_arrive_as_they_do_in_production(db, db_url):
    seen: list[Any] = []

    def handler(job: Job, ctx: JobContext) -> None:
        seen.append(job.args)
        seen.extend(ctx.query("values", echo={"n": 1}))

    outcome = run_handler(SPEC, handler, db_url, kind="probe", args={"a": [1, "é"]})
    assert outcome.state == "completed"
    args, row = seen
    assert args == {"a": [1, "é"]}
    # the parent's framing: ISO 8601 timestamps, bytes as hex, numerics as exact strings
    assert row == {"at": "2026-01-02T03:04:05+00:00", "raw": "6162", "amount": "1.50",
                   "echo": {"n": 1}}  # fmt: skip


def test_writes_commit_with_completion_cancel_and_snooze_but_not_with_an_error(db, db_url):
    db.execute("CREATE TABLE metadata.probe_notes (note text)")

    def handler(job: Job, ctx: JobContext) -> None:
        ctx.write("record", note=job.args["then"])
        if job.args["then"] == "cancel":
            raise JobCancel("no use")
        if job.args["then"] == "snooze":
            raise JobSnooze(5)
        if job.args["then"] == "error":
            raise ValueError("boom")

    got = {
        then: run_handler(SPEC, handler, db_url, kind="probe", args={"then": then})
        for then in ("complete", "cancel", "snooze", "error")
    }
    assert {k: o.state for k, o in got.items()} == {
        "complete": "completed", "cancel": "cancelled", "snooze": "snoozed", "error": "error",
    }  # fmt: skip
    assert got["cancel"].error == "no use" and got["error"].error == "ValueError: boom"
    notes = scalar(db, "SELECT array_agg(note ORDER BY note) FROM metadata.probe_notes")
    assert notes == ["cancel", "complete", "snooze"]
