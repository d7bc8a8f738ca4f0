"""A whole supervisor killed with SIGKILL: its jobs come back within 30 s (issue: recovery)."""

from __future__ import annotations

import os
import signal
import time

from tests.support.river import insert_jobs, job, states
from tests.support.supervisor_harness import start
from tests.support.wait import wait_for

FAST = {"maintenance": {"dead_client_interval": "500ms", "dead_client_after": "2s",
                        "elect_interval": "200ms", "scheduler_interval": "200ms"}}  # fmt: skip


def test_peer_recovers_jobs_of_a_killed_supervisor(db_url, db):
    a = start(db_url, {**FAST, "database": {"application_name": "civic-supervisor-a"}})
    b = None
    try:
        ids = insert_jobs(db, "sleep", 5, args='{"ms": 600000}', max_attempts=3)
        wait_for(
            lambda: states(db).get("running") == 5, what="5 jobs running", show=lambda: states(db)
        )
        dead_client = job(db, ids[0])["attempted_by"][-1]
        assert dead_client.startswith("civic:")
        b = start(db_url, {**FAST, "database": {"application_name": "civic-supervisor-b"}})
        a.kill()
        killed = time.monotonic()
        wait_for(
            lambda: all(job(db, i)["attempted_by"][-1] != dead_client for i in ids),
            what=f"every job taken from {dead_client}",
            show=lambda: [job(db, i)["attempted_by"][-1] for i in ids],
            timeout=30,
        )
        assert time.monotonic() - killed < 30
        j = job(db, ids[0])
        assert (
            j["errors"][0]["error"]
            == f"civic-supervisor {dead_client} died (its session lock is gone)"
        )
        assert j["state"] == "running" and j["attempt"] == 2  # picked up again by b
    finally:
        if b is not None:
            b.stop(timeout=10)


def test_live_peer_with_reconnecting_listener_is_not_rescued(db_url, db):
    a = start(db_url, {**FAST, "database": {"application_name": "civic-supervisor-a"}})
    b = start(db_url, {**FAST, "database": {"application_name": "civic-supervisor-b"}})
    try:
        ids = insert_jobs(db, "sleep", 4, args='{"ms": 4000}')
        wait_for(
            lambda: states(db).get("running") == 4, what="4 jobs running", show=lambda: states(db)
        )
        for _ in range(3):  # a's and b's sessions die, locks included; they reconnect in time
            db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                       " WHERE application_name LIKE 'civic-supervisor-%%listener'")  # fmt: skip
            time.sleep(0.5)
        wait_for(
            lambda: states(db) == {"completed": 4},
            what='job states {"completed": 4}',
            show=lambda: states(db),
            timeout=20,
        )
        assert all(job(db, i)["attempt"] == 1 and not job(db, i)["errors"] for i in ids)
    finally:
        a.stop()
        b.stop()


def test_restarted_supervisor_with_fixed_id_recovers_its_own_jobs(db_url, db):
    cfg = {**FAST, "client_id": "worker-1", "shutdown_timeout": "1s"}
    a = start(db_url, cfg)
    ids = insert_jobs(db, "sleep", 3, args='{"ms": 600000}')
    wait_for(lambda: states(db).get("running") == 3, what="3 jobs running", show=lambda: states(db))
    a.kill()
    b = start(db_url, {**cfg, "queues": {"bench": {"max_workers": 1}}})
    try:
        wait_for(
            lambda: states(db).get("available") == 2 and states(db).get("running") == 1,
            what="2 jobs available and 1 running",
            show=lambda: states(db),
            timeout=10,
        )
        assert all(not job(db, i)["errors"] for i in ids)
    finally:
        b.stop()


def test_max_jobs_per_child_recycles_between_jobs(db_url, db):
    sup = start(db_url, {"queues": {"bench": {"max_jobs_per_child": 20, "max_workers": 5}}})
    try:
        first = sup.children()["bench"].pid
        insert_jobs(db, "sleep", 60, args='{"ms": 20}')
        wait_for(
            lambda: states(db) == {"completed": 60},
            what='job states {"completed": 60}',
            show=lambda: states(db),
            timeout=30,
        )
        assert (
            db.execute(
                "SELECT count(*) FROM metadata.river_job WHERE errors IS NOT NULL"
            ).fetchone()[0]
            == 0
        )
        assert db.execute("SELECT max(attempt) FROM metadata.river_job").fetchone()[0] == 1
        assert sup.log.count("(max_jobs_per_child); recycling") >= 2
        assert sup.children()["bench"].pid != first
        assert "restarts in" not in sup.log  # a planned recycle is not a crash: no backoff
    finally:
        sup.stop()


def test_max_memory_recycles_the_child(db_url, db):
    sup = start(db_url, {"queues": {"bench": {"max_memory": "1MiB"}}})
    try:
        first = wait_for(
            lambda: (c := sup.children().get("bench")) and c.pid,
            what="a bench child (it may be between two incarnations)",
            show=sup.children,
        )
        wait_for(
            lambda: "over max_memory 1 MiB; recycling" in sup.log,
            what="over max_memory 1 MiB; recycling in the log",
            show=sup.log_tail,
        )
        wait_for(
            lambda: (c := sup.children().get("bench")) and c.pid != first,
            what="child bench restarted",
            show=sup.children,
        )
        ids = insert_jobs(db, "sleep", 20, args='{"ms": 10}')
        wait_for(
            lambda: all(job(db, i)["state"] == "completed" for i in ids),
            what="every job of ids completed",
            show=lambda: states(db),
            timeout=30,
        )
    finally:
        sup.stop()


def test_crash_loop_stops_the_supervisor_after_max_restarts(db_url, db):
    cfg = {"restart": {"backoff_initial": "100ms", "backoff_max": "200ms", "max_restarts": 3},
           "notifications": {"timezone": "Mars/Olympus_Mons"}}  # fmt: skip
    sup = start(db_url, cfg, only="bench,notifications", ready=False)
    ids = insert_jobs(db, "noop", 20)
    code = sup.proc.wait(30)
    assert code == 1
    assert "child notifications restarted more than 3 times" in sup.log
    assert "Mars/Olympus_Mons" in sup.log  # the reason, from the child's startup error
    assert all(job(db, i)["state"] == "completed" for i in ids)  # bench kept working
    sup.stop()


def test_a_frozen_child_is_killed_for_missed_heartbeats_and_its_jobs_return(db_url, db):
    """SIGSTOP: the child neither works nor answers, like a deadlock in its runtime."""
    sup = start(db_url, {"heartbeat_timeout": "2s"})
    try:
        pid = sup.children()["bench"].pid
        (jid,) = insert_jobs(db, "sleep", args='{"ms": 60000}')
        wait_for(
            lambda: job(db, jid)["state"] == "running",
            what=f"job {jid} running",
            show=lambda: job(db, jid)["state"],
        )
        os.kill(pid, signal.SIGSTOP)
        wait_for(
            lambda: "no heartbeat for 2s" in sup.log,
            what="no heartbeat for 2s in the log",
            show=sup.log_tail,
            timeout=15,
        )
        j = wait_for(
            lambda: (j := job(db, jid))["state"] in ("available", "retryable") and j,
            what=f"job {jid} available or retryable",
            show=lambda: job(db, jid)["state"],
        )
        assert "no heartbeat for 2s" in j["errors"][-1]["error"]
        wait_for(
            lambda: (c := sup.children().get("bench")) and c.pid != pid,
            what="child bench restarted",
            show=sup.children,
            timeout=15,
        )
        (ok,) = insert_jobs(db, "noop")
        wait_for(
            lambda: job(db, ok)["state"] == "completed",
            what=f"job {ok} completed",
            show=lambda: job(db, ok)["state"],
        )
    finally:
        sup.stop()
