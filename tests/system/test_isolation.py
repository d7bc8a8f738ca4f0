"""Processes and failures: kill -9, SIGTERM, terminated backends, the connection budget."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import psycopg
import pytest
import yaml

from tests.support.river import insert_jobs, job, states
from tests.support.supervisor_harness import start
from tests.support.wait import wait_for


def test_kill9_child_returns_its_jobs_at_once_and_restarts(db_url, db):
    sup = start(db_url, {"queues": {"bench": {"max_workers": 5}}})
    try:
        ids = insert_jobs(db, "sleep", 5, args='{"ms": 30000}')
        wait_for(
            lambda: states(db).get("running") == 5, what="5 jobs running", show=lambda: states(db)
        )
        child = sup.children()["bench"]
        child.kill()
        killed_at = time.monotonic()
        wait_for(
            lambda: "running" not in states(db),
            what="no job running",
            show=lambda: states(db),
            timeout=2,
        )
        assert time.monotonic() - killed_at < 2
        for jid in ids:
            j = job(db, jid)
            assert j["errors"][-1]["error"] == "worker process exited with signal 9"
        wait_for(
            lambda: sup.children().get("bench") and sup.children()["bench"].pid != child.pid,
            what="child bench restarted",
            show=sup.children,
        )
        (done,) = insert_jobs(db, "noop")
        wait_for(
            lambda: job(db, done)["state"] == "completed",
            what=f"job {done} completed",
            show=lambda: job(db, done)["state"],
        )
    finally:
        assert sup.stop() == 0


def test_sigterm_lets_in_flight_jobs_finish(db_url, db):
    sup = start(db_url)
    ids = insert_jobs(db, "sleep", 3, args='{"ms": 1500}')
    wait_for(lambda: states(db).get("running") == 3, what="3 jobs running", show=lambda: states(db))
    assert sup.stop(signal.SIGTERM) == 0
    assert states(db) == {"completed": 3}
    assert sup.connections(db) == 0
    assert all(job(db, i)["attempt"] == 1 for i in ids)


def test_sigterm_past_shutdown_timeout_returns_jobs_unharmed(db_url, db):
    sup = start(db_url, {"shutdown_timeout": "1s"})
    ids = insert_jobs(db, "hang", 2, args='{"seconds": 60}')
    wait_for(lambda: states(db).get("running") == 2, what="2 jobs running", show=lambda: states(db))
    t0 = time.monotonic()
    assert sup.stop(signal.SIGINT) == 0
    assert time.monotonic() - t0 < 6
    for jid in ids:
        j = job(db, jid)
        assert j["state"] == "available" and j["attempt"] == 0 and not j["errors"]
    assert sup.connections(db) == 0


def test_second_signal_stops_at_once(db_url, db):
    sup = start(db_url, {"shutdown_timeout": "60s"})
    insert_jobs(db, "hang", 1, args='{"seconds": 60}')
    wait_for(lambda: states(db).get("running") == 1, what="1 jobs running", show=lambda: states(db))
    sup.send(signal.SIGTERM)
    time.sleep(0.5)
    t0 = time.monotonic()
    sup.send(signal.SIGTERM)
    sup.proc.wait(10)
    assert time.monotonic() - t0 < 5
    assert states(db) == {"available": 1}
    sup.stop()


def test_children_have_no_database_url_or_inherited_sessions(db_url, db):
    sup = start(db_url, env={"DATABASE_URL": db_url, "SMTP_PASSWORD": "hunter2-secret"})
    try:
        child = sup.children()["bench"]
        environ = Path(f"/proc/{child.pid}/environ").read_bytes()
        assert b"DATABASE_URL" not in environ and b"hunter2" not in environ
        assert db_url.encode() not in Path(f"/proc/{child.pid}/cmdline").read_bytes()
        sockets = [c for c in child.net_connections(kind="inet")]
        assert sockets == []  # no TCP session to PostgreSQL (or anything else)
    finally:
        sup.stop()
    assert "hunter2" not in sup.log


def test_terminated_backends_lose_no_job(db_url, db):
    sup = start(db_url, {"queues": {"bench": {"max_workers": 20}}})
    try:
        insert_jobs(db, "sleep", 3000, args='{"ms": 2}')
        for _ in range(3):
            wait_for(
                lambda: states(db).get("completed", 0) > 0,
                what="more than 0 jobs completed",
                show=lambda: states(db),
            )
            db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                       " WHERE application_name LIKE 'civic-supervisor%%'")  # fmt: skip
            time.sleep(0.3)
        wait_for(
            lambda: states(db) == {"completed": 3000},
            what='job states {"completed": 3000}',
            show=lambda: states(db),
            timeout=60,
        )
        assert db.execute("SELECT max(attempt) FROM metadata.river_job").fetchone()[0] == 1
        wait_for(
            lambda: sup.connections(db) >= 2,
            what="the listener and the pool connected again",
            show=lambda: sup.connections(db),
        )  # listener and pool came back
    finally:
        assert sup.stop() == 0


def test_postgres_restart_mid_run_loses_nothing(pg_server, db_url):
    if pg_server.embedded is None:
        pytest.skip("needs the embedded server to restart it")
    sup = start(db_url, {"queues": {"bench": {"max_workers": 20}}})
    try:
        with psycopg.connect(db_url, autocommit=True) as db:
            insert_jobs(db, "sleep", 2000, args='{"ms": 5}')
            wait_for(
                lambda: states(db).get("completed", 0) > 100,
                what="more than 100 jobs completed",
                show=lambda: states(db),
            )
        pg_server.embedded.restart()
        with psycopg.connect(db_url, autocommit=True) as db:
            wait_for(
                lambda: states(db) == {"completed": 2000},
                what='job states {"completed": 2000}',
                show=lambda: states(db),
                timeout=90,
            )
            assert db.execute("SELECT max(attempt) FROM metadata.river_job").fetchone()[0] == 1
    finally:
        assert sup.stop() == 0


def test_claim_whose_reply_was_lost_is_returned(db_url, db):
    """A claim that committed while its session died: running under our id, held by no one."""
    sup = start(db_url, {"client_id": "sup-under-test"})
    try:
        (lost,) = insert_jobs(
            db, "noop", state="running", attempt=1, attempted_by=["sup-under-test"]
        )
        db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                   " WHERE application_name = 'civic-supervisor'")  # fmt: skip
        insert_jobs(db, "noop", 50)  # claims hit the dead sessions and fail
        wait_for(
            lambda: job(db, lost)["state"] == "completed",
            what=f"job {lost} completed",
            show=lambda: job(db, lost)["state"],
            timeout=20,
        )
        assert job(db, lost)["attempt"] == 1 and not job(db, lost)["errors"]
        assert "claim reply was lost" in sup.log
    finally:
        sup.stop()


def test_job_logs_reach_the_parent_tagged(db_url, db):
    sup = start(db_url, {"log": {"format": "json"}})
    try:
        (jid,) = insert_jobs(db, "log", args='{"text": "from the job"}')
        wait_for(
            lambda: job(db, jid)["state"] == "completed",
            what=f"job {jid} completed",
            show=lambda: job(db, jid)["state"],
        )
        wait_for(
            lambda: "from the job" in sup.log, what="from the job in the log", show=sup.log_tail
        )
    finally:
        sup.stop()
    line = next(x for x in sup.log.splitlines() if "from the job" in x)
    record = json.loads(line)
    assert record["child"] == "bench" and record["job_id"] == jid and record["kind"] == "log"
    assert record["attempt"] == 1
    assert record["msg"] == "bench says from the job"


def test_restart_backoff_doubles(db_url, db):
    sup = start(db_url, {"restart": {"backoff_initial": "200ms", "backoff_max": "10s"}})
    try:
        for n in range(3):
            pid = sup.children()["bench"].pid
            insert_jobs(db, "crash", max_attempts=1)
            wait_for(
                lambda p=pid: (c := sup.children().get("bench")) and c.pid != p,
                what="child bench restarted",
                show=sup.children,
                timeout=10,
            )
            assert sup.log.count("child bench restarts in") == n + 1
    finally:
        sup.stop()
    delays = [x.split("restarts in ")[1] for x in sup.log.splitlines() if "restarts in" in x]
    assert delays == ["0.2s", "0.4s", "0.8s"]


def test_children_exit_when_the_parent_is_killed(db_url, db):
    sup = start(db_url)
    child = sup.children()["bench"]
    sup.proc.kill()
    sup.proc.wait()
    wait_for(
        lambda: not child.is_running() or child.status() == "zombie",
        what=f"child {child.pid} gone",
        show=lambda: child.is_running() and child.status(),
        timeout=2,
    )
    sup.stop()


def test_sighup_reloads_and_restarts_children_one_by_one(db_url, db):
    sup = start(db_url, {"queues": {"bench": {"max_workers": 4}}}, only="bench,presign",
                env={"S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s", "S3_ENDPOINT": "http://127.0.0.1:9"})  # fmt: skip
    try:
        old = {n: p.pid for n, p in sup.children().items()}
        ids = insert_jobs(db, "sleep", 40, args='{"ms": 200}')
        wait_for(
            lambda: states(db).get("running") == 4, what="4 jobs running", show=lambda: states(db)
        )
        cfg = dict(sup.config)
        cfg["queues"] = {"bench": {"max_workers": 6}}
        sup.config_path.write_text(yaml.safe_dump(cfg))
        sup.send(signal.SIGHUP)
        wait_for(
            lambda: "reload done" in sup.log,
            what="reload done in the log",
            show=sup.log_tail,
            timeout=30,
        )
        new = {n: p.pid for n, p in sup.children().items()}
        assert all(new[n] != old[n] for n in old)
        wait_for(
            lambda: "/6 busy]" in " ".join(sup.children()["bench"].cmdline()),
            what="the bench child titled with 6 workers",
            show=lambda: sup.children()["bench"].cmdline(),
        )
        wait_for(
            lambda: all(job(db, i)["state"] == "completed" for i in ids),
            what="every job of ids completed",
            show=lambda: states(db),
            timeout=30,
        )
        assert all(job(db, i)["attempt"] == 1 and not job(db, i)["errors"] for i in ids)
        assert (
            db.execute("SELECT count(DISTINCT attempted_by[1]) FROM metadata.river_job").fetchone()[
                0
            ]
            == 1
        )
        assert sup.proc.poll() is None
        sup.config_path.write_text("database:\n  max_conns: nope\n")
        sup.send(signal.SIGHUP)
        wait_for(
            lambda: "reload refused" in sup.log, what="reload refused in the log", show=sup.log_tail
        )
        assert sup.proc.poll() is None
    finally:
        assert sup.stop() == 0
