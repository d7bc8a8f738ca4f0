"""River lifecycle through the real supervisor: every transition, as River records it."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from tests.support.river import insert_jobs, job, states
from tests.support.supervisor_harness import start
from tests.support.wait import wait_for

CLIENT = "civic:lifecycle-test"
FAST_MAINT = {
    "client_id": CLIENT,
    "maintenance": {"scheduler_interval": "200ms", "elect_interval": "200ms"},
}


@pytest.fixture
def sup(db_url):
    s = start(db_url, FAST_MAINT)
    yield s
    s.stop()


def final(db, job_id, states=("completed", "cancelled", "discarded", "retryable", "scheduled")):
    return wait_for(
        lambda: (j := job(db, job_id))["state"] in states and j,
        what=f"job {job_id} in one of {states}",
        show=lambda: job(db, job_id)["state"],
    )


def test_noop_completes_with_river_columns(sup, db):
    (jid,) = insert_jobs(db, "noop")
    j = final(db, jid, ("completed",))
    assert j["attempt"] == 1 and j["finalized_at"] is not None and j["attempted_at"] is not None
    assert j["attempted_by"][-1] == CLIENT
    assert j["errors"] is None


def test_error_appends_attempt_error_and_retries_per_policy(sup, db):
    (jid,) = insert_jobs(db, "fail", args='{"message": "boom"}', max_attempts=3)
    j = final(db, jid, ("retryable", "available"))
    wait_for(
        lambda: job(db, jid)["errors"],
        what=f"an error on job {jid}",
        show=lambda: job(db, jid)["state"],
    )
    j = job(db, jid)
    err = j["errors"][0]
    assert err["attempt"] == 1 and "boom" in err["error"] and "RuntimeError" in err["trace"]
    assert err["at"].endswith("Z")
    # first retry: 1s +-10% -> straight to available (<= 5 s), then second error -> 16 s retryable
    j = wait_for(
        lambda: (x := job(db, jid))["state"] == "retryable" and x,
        what=f"job {jid} retryable",
        show=lambda: job(db, jid)["state"],
        timeout=15,
    )
    assert j["attempt"] == 2 and len(j["errors"]) == 2
    delay = (j["scheduled_at"] - j["attempted_at"]).total_seconds()
    assert 16 * 0.9 - 1 <= delay <= 16 * 1.1 + 1


def test_discard_at_max_attempts(sup, db):
    (jid,) = insert_jobs(db, "fail", max_attempts=1)
    j = final(db, jid, ("discarded",))
    assert j["finalized_at"] is not None and len(j["errors"]) == 1 and j["attempt"] == 1


def test_job_cancel_records_error(sup, db):
    (jid,) = insert_jobs(db, "cancel", args='{"message": "bad input"}')
    j = final(db, jid, ("cancelled",))
    assert j["errors"][0]["error"] == "bad input" and j["finalized_at"] is not None


def test_snooze_keeps_attempt_and_counts(sup, db):
    (jid,) = insert_jobs(db, "snooze", args='{"seconds": 60}')
    j = final(db, jid, ("scheduled",))
    assert j["attempt"] == 0 and j["metadata"]["snoozes"] == 1 and not j["errors"]
    assert timedelta(seconds=55) < j["scheduled_at"] - j["attempted_at"] < timedelta(seconds=65)


def test_short_snooze_goes_straight_to_available(sup, db):
    (jid,) = insert_jobs(db, "snooze", args='{"seconds": 2}', max_attempts=5)
    wait_for(
        lambda: job(db, jid)["metadata"].get("snoozes") == 1,
        what=f"job {jid} snoozed once",
        show=lambda: job(db, jid)["metadata"],
    )
    assert job(db, jid)["state"] in ("available", "running")


def test_unknown_kind_retries_with_error(sup, db):
    (jid,) = insert_jobs(db, "no_such_kind", max_attempts=1)
    j = final(db, jid, ("discarded",))
    assert "UnknownJobKindError" in j["errors"][0]["error"]


def test_remote_cancel_of_running_job(sup, db):
    """River's JobCancel on a running job: metadata flag + river_control NOTIFY."""
    (jid,) = insert_jobs(db, "sleep", args='{"ms": 20000}')
    wait_for(
        lambda: job(db, jid)["state"] == "running",
        what=f"job {jid} running",
        show=lambda: job(db, jid)["state"],
    )
    with db.transaction():
        db.execute(
            "UPDATE metadata.river_job SET metadata = jsonb_set(metadata, '{cancel_attempted_at}',"
            " to_jsonb(now())) WHERE id = %s", (jid,))  # fmt: skip
        db.execute("SELECT pg_notify('metadata.river_control', %s)",
                   (json.dumps({"action": "cancel", "job_id": jid, "queue": "civic_bench"}),))  # fmt: skip
    j = final(db, jid, ("cancelled",))
    assert "cancelled" in j["errors"][0]["error"]


def test_staged_write_commits_with_completion(sup, db):
    db.execute("CREATE TABLE civic_bench_effects (job_id bigint PRIMARY KEY, note text)")
    ok, bad = (
        insert_jobs(db, "write", args='{"note": "x"}')[0],
        insert_jobs(db, "write", args='{"fail": true}')[0],
    )
    final(db, ok, ("completed",))
    final(db, bad, ("retryable", "available"))
    wait_for(
        lambda: job(db, bad)["errors"],
        what=f"an error on job {bad}",
        show=lambda: job(db, bad)["state"],
    )
    rows = db.execute("SELECT job_id, note FROM civic_bench_effects").fetchall()
    assert rows == [(ok, "x")]


def test_failing_write_retries_the_job(sup, db):
    (jid,) = insert_jobs(db, "write", max_attempts=1)  # table missing: the write fails
    j = final(db, jid, ("discarded",))
    assert "database write failed" in j["errors"][0]["error"]


def test_an_invalid_snooze_is_its_jobs_error_and_spares_the_batch(sup, db):
    (bad,) = insert_jobs(db, "snooze", args='{"seconds": -1}', max_attempts=1)
    ok = insert_jobs(db, "noop", 20)
    assert (
        "invalid outcome from the child: outcome.snooze"
        in (final(db, bad, ("discarded",))["errors"][0]["error"])
    )
    assert all(final(db, i, ("completed",)) for i in ok)


def test_an_error_message_no_frame_can_carry_is_recorded_escaped(sup, db):
    (jid,) = insert_jobs(db, "fail", args='{"undecodable": true}', max_attempts=1)
    j = final(db, jid, ("discarded",))
    assert j["errors"][0]["error"] == "RuntimeError: bad byte \\udcff"
    assert "\\udcff" in j["errors"][0]["trace"]


def test_a_write_no_frame_can_carry_fails_the_job_clearly(sup, db):
    (jid,) = insert_jobs(db, "write", args='{"unsendable": true}', max_attempts=1)
    j = final(db, jid, ("discarded",))
    error = j["errors"][0]["error"]
    assert "staged writes cannot be sent to the parent: Integer exceeds 64-bit range" in error


def test_claim_order_priority_then_scheduled_at_then_id(db_url, db):
    now = db.execute("SELECT now() - interval '1 minute'").fetchone()[0]
    ids = []
    for priority, offset in [(4, 0), (1, 5), (1, 1), (2, 0), (1, 1)]:
        ids += insert_jobs(
            db, "noop", priority=priority, scheduled_at=now + timedelta(seconds=offset)
        )
    s = start(db_url, {"queues": {"bench": {"max_workers": 1}}})
    try:
        wait_for(
            lambda: all(job(db, i)["state"] == "completed" for i in ids),
            what="every job of ids completed",
            show=lambda: states(db),
        )
    finally:
        s.stop()
    order = [
        r[0] for r in db.execute("SELECT id FROM metadata.river_job ORDER BY attempted_at, id")
    ]
    assert order == [ids[2], ids[4], ids[1], ids[3], ids[0]]


def test_attempted_by_capped_at_100(sup, db):
    (jid,) = insert_jobs(db, "noop", attempted_by=[f"c{i}" for i in range(100)])
    j = final(db, jid, ("completed",))
    assert len(j["attempted_by"]) == 100
    assert j["attempted_by"][0] == "c1" and j["attempted_by"][-1] == CLIENT


def test_pause_and_resume_queue(sup, db):
    db.execute("UPDATE metadata.river_queue SET paused_at = now() WHERE name = 'civic_bench'")
    db.execute(
        """SELECT pg_notify('metadata.river_control', '{"action":"pause","queue":"civic_bench"}')"""
    )
    wait_for(
        lambda: "queue civic_bench paused" in sup.log,
        what="queue civic_bench paused in the log",
        show=sup.log_tail,
    )
    (jid,) = insert_jobs(db, "noop")
    time.sleep(0.6)
    assert job(db, jid)["state"] == "available"
    db.execute("""SELECT pg_notify('metadata.river_control', '{"action":"resume","queue":"*"}')""")
    final(db, jid, ("completed",))


def test_scheduler_promotes_due_retryable_and_scheduled(sup, db):
    past = db.execute("SELECT now() - interval '1 second'").fetchone()[0]
    a = insert_jobs(db, "noop", state="retryable", scheduled_at=past)[0]
    b = insert_jobs(db, "noop", state="scheduled", scheduled_at=past)[0]
    later = insert_jobs(db, "noop", state="scheduled", scheduled_at=past + timedelta(hours=1))[0]
    final(db, a, ("completed",))
    final(db, b, ("completed",))
    assert job(db, later)["state"] == "scheduled"


def test_leader_row_held_and_released(db_url, db):
    s = start(db_url, FAST_MAINT)
    client = CLIENT
    wait_for(
        lambda: db.execute("SELECT leader_id FROM metadata.river_leader").fetchone() == (client,),
        what=f"{client} leading",
        show=lambda: db.execute("SELECT leader_id FROM metadata.river_leader").fetchone(),
    )
    assert s.stop() == 0
    assert db.execute("SELECT count(*) FROM metadata.river_leader").fetchone()[0] == 0
