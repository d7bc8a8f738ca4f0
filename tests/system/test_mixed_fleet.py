"""Sharing a schema with other River clients and peers: timeouts, remote cancels, leadership,
and a supervisor cut off from the database. Each
test failed before its fix."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from supervisor.config import ConfigError, load
from tests.support.cut_proxy import CutProxy
from tests.support.river import insert_jobs, job, states
from tests.support.supervisor_harness import start
from tests.support.wait import wait_for


def test_a_job_past_its_deadline_stays_running_until_its_handler_returns(db_url, db):
    """River keeps the row `running` until Work returns and records a late success; we
    used to fail the attempt at the deadline, and its retry ran beside the first run."""
    sup = start(db_url, {"queues": {"bench": {"job_timeout": "500ms"}}})
    try:
        (late,) = insert_jobs(db, "hang", args='{"seconds": 2}')
        (raises,) = insert_jobs(db, "sleep", args='{"ms": 60000}', max_attempts=1)
        wait_for(
            lambda: job(db, late)["state"] == "running",
            what=f"job {late} running",
            show=lambda: job(db, late)["state"],
        )
        time.sleep(1.2)
        row = job(db, late)
        assert (row["state"], row["attempt"], row["errors"]) == ("running", 1, None)
        wait_for(
            lambda: job(db, late)["state"] == "completed",
            what=f"job {late} completed",
            show=lambda: job(db, late)["state"],
        )
        row = job(db, late)
        assert row["attempt"] == 1 and len(row["attempted_by"]) == 1 and not row["errors"]
        wait_for(
            lambda: job(db, raises)["state"] == "discarded",
            what=f"job {raises} discarded",
            show=lambda: job(db, raises)["state"],
        )  # cancelled at the deadline
        error = job(db, raises)["errors"][0]["error"]
        assert error.startswith("JobTimeout: job exceeded its deadline of 0.5s")
        assert "sleep interrupted" in error
    finally:
        sup.stop()


def test_a_remote_cancel_at_the_last_attempt_ends_cancelled(db_url, db):
    """River turns a worker's error after a remote cancel into ErrJobCancelledRemotely, a
    JobCancelError: `cancelled`, not `discarded`."""
    sup = start(db_url)
    try:
        (jid,) = insert_jobs(db, "sleep", args='{"ms": 60000}', max_attempts=1)
        wait_for(
            lambda: job(db, jid)["state"] == "running",
            what=f"job {jid} running",
            show=lambda: job(db, jid)["state"],
        )
        db.execute(
            "UPDATE metadata.river_job SET metadata = metadata || jsonb_build_object("
            "'cancel_attempted_at', now()) WHERE id = %s", (jid,),
        )  # fmt: skip
        payload = json.dumps({"action": "cancel", "job_id": jid, "queue": "civic_bench"})
        db.execute("SELECT pg_notify('metadata.river_control', %s)", (payload,))
        wait_for(
            lambda: job(db, jid)["state"] == "cancelled",
            what=f"job {jid} cancelled",
            show=lambda: job(db, jid)["state"],
        )
        assert "cancelled remotely" in job(db, jid)["errors"][0]["error"]
    finally:
        sup.stop()


def test_leadership_never_leaves_the_leader_duties_to_go_clients(db_url, db):
    past = db.execute("SELECT now() - interval '1 second'").fetchone()[0]
    (jid,) = insert_jobs(db, "noop", state="scheduled", scheduled_at=past)
    sup = start(db_url, {"maintenance": {"leadership": "never"}})
    try:
        (now,) = insert_jobs(db, "noop")
        wait_for(
            lambda: job(db, now)["state"] == "completed",
            what=f"job {now} completed",
            show=lambda: job(db, now)["state"],
        )  # it works, it does not lead
        time.sleep(1.0)
        assert job(db, jid)["state"] == "scheduled"
        assert db.execute("SELECT count(*) FROM metadata.river_leader").fetchone()[0] == 0
        assert "became leader" not in sup.log
    finally:
        sup.stop()


def test_leadership_and_rescue_after_are_validated():
    env = {"DATABASE_URL": "postgresql://x/y"}
    assert load(None, env={**env, "CIVIC_LEADERSHIP": "never"}).maintenance.leadership == "never"
    with pytest.raises(ConfigError, match=r"maintenance\.leadership: must be one of auto, never"):
        load(None, env={**env, "CIVIC_LEADERSHIP": "sometimes"})


def test_rescue_after_must_exceed_every_job_timeout(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        "maintenance:\n  rescue_after: 30m\nqueues:\n  thumbnails:\n    job_timeout: 1h\n"
    )
    with pytest.raises(ConfigError, match=r"rescue_after: 1800s must be longer than "
                                          r"queues.thumbnails.job_timeout \(3600s\)"):  # fmt: skip
        load(path, env={"DATABASE_URL": "postgresql://x/y"})
    path.write_text("queues:\n  thumbnails:\n    job_timeout: -1\n")  # none: never stuck
    load(path, env={"DATABASE_URL": "postgresql://x/y"})


PEERS = {"maintenance": {"dead_client_interval": "300ms", "dead_client_after": "2s"}}


def test_a_supervisor_cut_off_longer_than_dead_client_after_never_runs_a_job_twice_at_once(
    db_url, db, tmp_path
):
    """Supervisor a loses the database (a network partition: its sessions die, so its lock
    is gone) for three times `dead_client_after` while peer b keeps it. b rightly takes a for
    dead and runs a's jobs; before that, a stops running them (it interrupts them at half of
    `dead_client_after`). Before the fix a's jobs ran on beside b's, and a's listener could
    back off for 30 s while b saw its lock gone."""
    journal = tmp_path / "journal"
    target = conninfo_to_dict(db_url)
    proxy = CutProxy(target["host"], int(target["port"]))
    a_url = make_conninfo(db_url, port=str(proxy.port))
    a = start(a_url, {**PEERS, "database": {"application_name": "civic-supervisor-a"}})
    b = None
    try:
        args = json.dumps({"path": str(journal), "ms": 5000})
        ids = insert_jobs(db, "journal", 4, args=args, max_attempts=5)
        wait_for(
            lambda: states(db).get("running") == 4, what="4 jobs running", show=lambda: states(db)
        )
        b = start(db_url, {**PEERS, "database": {"application_name": "civic-supervisor-b"}})
        proxy.cut()
        cut = time.monotonic()
        wait_for(
            lambda: all(job(db, i)["attempt"] == 2 for i in ids),
            what="every job rescued into attempt 2",
            show=lambda: [job(db, i)["attempt"] for i in ids],
            timeout=20,
        )
        assert time.monotonic() - cut >= 2.0  # not before dead_client_after
        time.sleep(max(0.0, 6.0 - (time.monotonic() - cut)))
        proxy.restore()
        wait_for(
            lambda: states(db) == {"completed": 4},
            what='job states {"completed": 4}',
            show=lambda: states(db),
            timeout=30,
        )
    finally:
        for sup in (a, b):
            if sup is not None:
                sup.stop()
        proxy.close()
    runs = _runs(journal)
    for jid in ids:
        first, second = runs[(jid, 1)], runs[(jid, 2)]
        assert "end" not in first["events"] and "end" in second["events"]  # one run finished
        assert first["last"] < second["start"], f"job {jid}: two runs at once"
        assert job(db, jid)["errors"][0]["error"].endswith("died (its session lock is gone)")
    assert "lost its liveness lock" in a.log


def _runs(path: Path) -> dict[tuple[int, int], dict]:
    runs: dict[tuple[int, int], dict] = defaultdict(lambda: {"events": set()})
    for line in path.read_text().splitlines():
        note = json.loads(line)
        run = runs[(note["id"], note["attempt"])]
        run["events"].add(note["event"])
        run.setdefault("start", note["t"])
        run["last"] = note["t"]
    return runs
