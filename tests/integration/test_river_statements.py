"""Our River statements on rows a mixed fleet can leave: each case comes from a side-by-side
run against River's own SQL (attempt fencing, cancel of a finalized job, unique states,
snooze accounting) and failed before."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, cast

import psycopg
import pytest

from supervisor.completer import Completer, Pending
from supervisor.config import load
from supervisor.database import Database
from supervisor.deadclients import DeadClients
from supervisor.maintenance import Maintenance
from supervisor.outcomes import (
    MAX_RETRY_DELAY,
    StateChange,
    completed,
    errored,
    retry_delay,
    snoozed,
)
from supervisor.river.states import JobState
from tests.support.database import scalar
from tests.support.river import claim, insert_jobs, job

# river_job_state_in_bitmask: bit 0 (leftmost) scheduled, running, retryable, pending,
# discarded, completed, cancelled, available (rightmost).
NO_RETRYABLE = "11010101"
NO_RETRYABLE_WITH_DISCARDED = "11011101"


def run(db_url: str, scenario: Callable[[Database], Awaitable[Any]], **env: str) -> Any:
    async def main() -> Any:
        cfg = load(None, env={"DATABASE_URL": db_url, "DB_MAX_CONNS": "3", **env})
        database = Database(cfg)
        await database.open()
        try:
            return await scenario(database)
        finally:
            await database.close()

    return asyncio.run(main())


def maintenance(db: Database) -> Maintenance:
    return Maintenance(db, db.cfg)


def unique_job(db: psycopg.Connection, state: str, mask: str, key: bytes, **cols: Any) -> int:
    past = scalar(db, "SELECT now() - interval '1 minute'")
    cols.setdefault("scheduled_at", past)
    (jid,) = insert_jobs(db, "noop", state=state, unique_key=key, unique_states=mask, **cols)
    return jid


# --- the scheduler (§2.1) ---


def test_scheduler_decides_unique_conflicts_as_river_and_keeps_promoting(db_url, db):
    """A due `retryable` row outside its own mask and a due `scheduled` row inside it share a
    key. River discards both; our old rule promoted the first into the unique index beside
    the second: UniqueViolation on every tick, and nothing else in the schema moved."""
    a = unique_job(db, "retryable", NO_RETRYABLE, b"k")
    b = unique_job(db, "scheduled", NO_RETRYABLE, b"k")
    other = insert_jobs(db, "noop", state="retryable", scheduled_at=job(db, a)["scheduled_at"])[0]
    lone = unique_job(db, "scheduled", NO_RETRYABLE, b"alone")

    now = db.execute("SELECT now()").fetchone()[0]
    promoted = run(db_url, lambda d: maintenance(d).schedule())
    assert promoted == 4
    assert job(db, other)["state"] == "available" and job(db, lone)["state"] == "available"
    for jid in (a, b):
        row = job(db, jid)
        assert row["state"] == "discarded"
        assert row["metadata"]["unique_key_conflict"] == "scheduler_discarded"
        # stamped with the look-ahead time, as River's JobSchedule stamps it (now + 5 s)
        assert timedelta(seconds=4) < row["finalized_at"] - now < timedelta(seconds=7)


def test_scheduler_conflict_with_a_live_row_outside_the_batch(db_url, db):
    running = unique_job(db, "running", NO_RETRYABLE, b"k")
    due = unique_job(db, "scheduled", NO_RETRYABLE, b"k2")
    clash = unique_job(db, "retryable", NO_RETRYABLE, b"k")
    run(db_url, lambda d: maintenance(d).schedule())
    assert job(db, running)["state"] == "running"
    assert job(db, due)["state"] == "available"
    assert job(db, clash)["state"] == "discarded"


def test_a_tangle_river_cannot_resolve_still_leaves_the_rest_of_the_schema_flowing(db_url, db):
    """Two due rows out of their mask, a mask holding `discarded`: River's own rule promotes
    one and discards the other into the index beside it, and fails. The rows without a unique
    key are promoted anyway, and the failure is counted for the metrics."""
    a = unique_job(db, "retryable", NO_RETRYABLE_WITH_DISCARDED, b"t")
    b = unique_job(db, "retryable", NO_RETRYABLE_WITH_DISCARDED, b"t")
    plain = insert_jobs(db, "noop", 3, state="scheduled", scheduled_at=job(db, a)["scheduled_at"])

    async def scenario(d: Database) -> tuple[int, int]:
        m = maintenance(d)
        return await m.schedule(), m.failures["scheduler"]

    assert run(db_url, scenario) == (3, 1)
    assert [job(db, i)["state"] for i in plain] == ["available"] * 3
    assert {job(db, a)["state"], job(db, b)["state"]} == {"retryable"}


# --- malformed metadata (§2.3) ---

SNOOZES = [  # metadata -> snoozes after one more snooze, as River's gjson Int() reads it
    ('{"snoozes": 1.5}', 2),
    ('{"snoozes": "x"}', 1),
    ('{"snoozes": 3000000000}', 3000000001),
    ('{"snoozes": "7"}', 8),
    ('{"snoozes": true}', 2),
    ('{"snoozes": null}', 1),
    ('{"snoozes": {"a": 1}}', 1),
    ('{"snoozes": [1]}', 1),
    ('{"snoozes": 1e300}', 4611686018427387905),
    ("{}", 1),
]


def test_malformed_snooze_counters_never_fail_the_batch(db_url, db):
    ids = [insert_jobs(db, "noop", metadata=m, queue="civic_bench")[0] for m, _ in SNOOZES]
    plain = insert_jobs(db, "noop")[0]
    held = {h.id: h for h in claim(db, len(ids) + 1)}

    async def scenario(d: Database) -> None:
        completer = Completer(d)
        changes = [Pending(snoozed(held[i], 60), held=held[i]) for i in ids]
        done = completer.submit(changes, [(plain, 1)])
        await completer.flush()
        assert done.done() and completer.unrecordable == 0

    run(db_url, scenario)
    assert job(db, plain)["state"] == "completed"
    for jid, (_, expected) in zip(ids, SNOOZES, strict=True):
        row = job(db, jid)
        assert (row["state"], row["attempt"], row["metadata"]["snoozes"]) == (
            "scheduled", 0, expected)  # fmt: skip


def test_snooze_of_metadata_that_is_not_an_object(db_url, db):
    (jid,) = insert_jobs(db, "noop", metadata="[1, 2]")
    (h,) = claim(db, 1)

    async def scenario(d: Database) -> None:
        completer = Completer(d)
        completer.submit([Pending(snoozed(h, 60), held=h)])
        await completer.flush()

    run(db_url, scenario)
    assert job(db, jid)["state"] == "scheduled"


RESCUE_COUNTS = [  # River's JobRescueMany counts only a number; we truncate one it cannot cast
    ('{"river:rescue_count": "x"}', 1),
    ('{"river:rescue_count": "4"}', 1),
    ('{"river:rescue_count": true}', 1),
    ('{"river:rescue_count": 1.5}', 2),
    ('{"river:rescue_count": 2}', 3),
    ('{"river:rescue_count": {"n": 1}}', 1),
    ("{}", 1),
]


def test_malformed_rescue_counters_never_wedge_the_rescuer(db_url, db):
    old = db.execute("SELECT now() - interval '2 hours'").fetchone()[0]
    ids = [
        insert_jobs(db, "noop", state="running", attempt=1, attempted_at=old, metadata=m)[0]
        for m, _ in RESCUE_COUNTS
    ]
    assert run(db_url, lambda d: maintenance(d).rescue()) == len(ids)
    for jid, (_, expected) in zip(ids, RESCUE_COUNTS, strict=True):
        row = job(db, jid)
        assert row["state"] in ("retryable", "available")
        assert row["metadata"]["river:rescue_count"] == expected


def test_rescuer_leaves_jobs_of_a_queue_without_timeout_alone(db_url, db, tmp_path):
    old = db.execute("SELECT now() - interval '2 hours'").fetchone()[0]
    (untimed,) = insert_jobs(db, "noop", state="running", attempt=1, attempted_at=old)
    (other,) = insert_jobs(db, "noop", state="running", attempt=1, attempted_at=old, queue="go")
    cfg = {"DATABASE_URL": db_url}
    path = tmp_path / "config.yaml"
    path.write_text("queues:\n  bench:\n    job_timeout: -1\n")

    async def scenario(d: Database) -> int:
        return await Maintenance(d, load(path, env=cfg)).rescue()

    assert run(db_url, scenario) == 1
    assert job(db, untimed)["state"] == "running"
    assert job(db, other)["state"] in ("retryable", "available")


def test_a_change_no_statement_can_write_is_split_off_and_recorded_as_an_error(db_url, db):
    """A value that breaks the batched statement (here a state PostgreSQL refuses) used to
    crash the completer, and the parent with it (exit 70), with 5,000 outcomes lost."""
    insert_jobs(db, "noop", 5)
    hs = claim(db, 5)
    bad = StateChange(hs[2].id, hs[2].attempt, cast(JobState, "no-such-state"))

    async def scenario(d: Database) -> int:
        completer = Completer(d)
        changes = [Pending(completed(h), held=h) for h in hs[:2] + hs[3:]]
        done = completer.submit([*changes, Pending(bad, held=hs[2])])
        await completer.flush()
        assert done.done() and not completer.unresolved
        return completer.unrecordable

    assert run(db_url, scenario) == 1
    assert [job(db, h.id)["state"] for h in hs[:2] + hs[3:]] == ["completed"] * 4
    row = job(db, hs[2].id)
    assert row["state"] == "available"
    assert "could not record the outcome" in row["errors"][0]["error"]


def test_an_error_message_with_nul_is_recorded(db_url, db):
    insert_jobs(db, "noop")
    (h,) = claim(db, 1)

    async def scenario(d: Database) -> int:
        completer = Completer(d)
        completer.submit([Pending(errored(h, "bytes \x00 in it", "trace \x00"), held=h)])
        await completer.flush()
        return completer.unrecordable

    assert run(db_url, scenario) == 0
    assert job(db, h.id)["errors"][0]["error"] == "bytes \\u0000 in it"


# --- the retry delay (§2.9) ---


@pytest.mark.parametrize("n_errors", [706, 800, 1750, 20000])
def test_retry_delay_is_capped_as_river_caps_it(n_errors):
    assert retry_delay(n_errors) == MAX_RETRY_DELAY  # ~292 years, no jitter at the cap


def test_retry_far_past_the_cap_is_written(db_url, db):
    insert_jobs(db, "noop", max_attempts=5000)
    (h,) = claim(db, 1)
    h = h._replace(n_errors=1750)

    async def scenario(d: Database) -> None:
        completer = Completer(d)
        completer.submit([Pending(errored(h, "again"), held=h)])
        await completer.flush()

    run(db_url, scenario)
    row = job(db, h.id)
    assert row["state"] == "retryable" and 2300 < row["scheduled_at"].year < 2400


# --- cancel requests (§2.8) ---

CANCEL = '{"cancel_attempted_at": "2026-01-01T00:00:00Z"}'


def test_cancel_request_overrides_only_retries_and_snoozes_that_wait(db_url, db):
    """River's JobSetStateIfRunningMany: only `retryable`/`scheduled` targets become
    `cancelled`; a snooze counts in `snoozes` even then; one due at once stays available."""
    ids = insert_jobs(db, "noop", 5, metadata=CANCEL, max_attempts=3)
    short_retry, long_retry, short_snooze, long_snooze, last = claim(db, 5)
    last = last._replace(attempt=3)
    db.execute("UPDATE metadata.river_job SET attempt = 3 WHERE id = %s", (last.id,))

    async def scenario(d: Database) -> None:
        completer = Completer(d)
        changes = [
            errored(short_retry, "boom"),
            errored(long_retry._replace(n_errors=3), "boom"),
            snoozed(short_snooze, 2),
            snoozed(long_snooze, 60),
            errored(last, "boom"),
        ]
        completer.submit([Pending(c) for c in changes])
        await completer.flush()

    run(db_url, scenario)
    rows = [job(db, i) for i in ids]
    assert [r["state"] for r in rows] == [
        "available", "cancelled", "available", "cancelled", "discarded"]  # fmt: skip
    assert (rows[2]["attempt"], rows[2]["metadata"]["snoozes"]) == (0, 1)
    assert (rows[3]["attempt"], rows[3]["metadata"]["snoozes"]) == (1, 1)
    assert rows[1]["finalized_at"] is not None and rows[1]["errors"][0]["error"] == "boom"


# --- dead clients (§2.2) ---

GO_ON_CIVIC_HOST = "civic-os-worker-7d9f8-x2k4q_2026_12_04T03_27_32_123456"
"""River's default id for a Go client on a pod named like Civic OS's Deployment."""


def running_of(db: psycopg.Connection, client: str) -> int:
    now = scalar(db, "SELECT now()")
    return insert_jobs(db, "noop", state="running", attempt=1, attempted_at=now,
                       attempted_by=[client])[0]  # fmt: skip


def test_a_go_client_on_a_civic_host_is_never_rescued_early(db_url, db):
    go = running_of(db, GO_ON_CIVIC_HOST)
    old_form = running_of(db, "civic-vm_2026_11_23T10_00_00_000000")
    civic = running_of(db, "civic:vm_2026_12_04T03_27_32_123456")

    async def scenario(d: Database) -> int:
        dead = DeadClients(d, "civic:me", dead_after=0)
        return await dead.check() + await dead.check()

    assert run(db_url, scenario) == 1
    assert job(db, go)["state"] == "running" and job(db, old_form)["state"] == "running"
    row = job(db, civic)
    assert row["state"] == "available"
    assert "civic:vm_2026_12_04T03_27_32_123456 died" in row["errors"][0]["error"]


def test_a_configured_id_is_rescued_once_seen_alive(db_url, db):
    from supervisor.river.sql import LOCK_CLASS, TRY_LOCK

    jid = running_of(db, "worker-1")
    holder = psycopg.connect(db_url, autocommit=True)
    holder.execute(TRY_LOCK, {"cls": LOCK_CLASS, "client_id": "worker-1"})

    async def scenario(d: Database) -> tuple[int, int]:
        dead = DeadClients(d, "civic:me", dead_after=0)
        alive = await dead.check()
        holder.close()
        await asyncio.sleep(0.2)
        return alive, await dead.check()

    assert run(db_url, scenario) == (0, 1)
    assert job(db, jid)["state"] == "available"
