"""Leader-only maintenance and leadership shared with other River clients."""

from __future__ import annotations

from datetime import timedelta

from tests.support.river import insert_jobs, job, states
from tests.support.supervisor_harness import start
from tests.support.wait import wait_for

FAST = {
    "maintenance": {
        "elect_interval": "200ms", "scheduler_interval": "200ms", "rescuer_interval": "200ms",
        "cleaner_interval": "200ms", "rescue_after": "30m", "completed_retention": "1h",
        "queue_cleaner_interval": "200ms",
    }
}  # fmt: skip


def ago(db, **kw):
    return db.execute("SELECT now()").fetchone()[0] - timedelta(**kw)


def test_rescuer_returns_stuck_running_jobs(db_url, db):
    old = ago(db, hours=2)
    retry = insert_jobs(db, "noop", state="running", attempt=1, attempted_at=old, max_attempts=5)[0]
    last = insert_jobs(db, "noop", state="running", attempt=5, attempted_at=old, max_attempts=5)[0]
    cancel = insert_jobs(db, "noop", state="running", attempt=1, attempted_at=old,
                         metadata='{"cancel_attempted_at": "2026-01-01T00:00:00Z"}')[0]  # fmt: skip
    fresh = insert_jobs(db, "noop", state="running", attempt=1, attempted_at=ago(db, minutes=1))[0]
    sup = start(db_url, FAST)
    try:
        wait_for(
            lambda: job(db, retry)["metadata"].get("river:rescue_count") == 1,
            what=f"job {retry} rescued once",
            show=lambda: job(db, retry)["metadata"],
        )
        j = job(db, retry)
        assert j["errors"][-1]["error"] == "Stuck job rescued by JobRescuer"
        assert j["state"] in ("retryable", "available", "running", "completed")
        assert job(db, last)["state"] == "discarded"
        assert job(db, cancel)["state"] == "cancelled"
        assert job(db, fresh)["state"] == "running"
    finally:
        sup.stop()


def test_cleaner_deletes_past_retention_only(db_url, db):
    old, recent = ago(db, hours=2), ago(db, minutes=5)
    gone = insert_jobs(db, "noop", state="completed", finalized_at=old)[0]
    kept = insert_jobs(db, "noop", state="completed", finalized_at=recent)[0]
    discarded = insert_jobs(db, "noop", state="discarded", finalized_at=old)[0]  # 7 d retention
    db.execute(
        "INSERT INTO metadata.river_queue (name, updated_at) VALUES ('idle', now() - interval '2 days')"
    )
    sup = start(db_url, FAST)
    try:
        wait_for(
            lambda: (
                not db.execute("SELECT 1 FROM metadata.river_job WHERE id = %s", (gone,)).fetchone()
            ),
            what=f"job {gone} deleted",
            show=lambda: job(db, gone)["state"],
        )
        assert {job(db, kept)["state"], job(db, discarded)["state"]} == {"completed", "discarded"}
        wait_for(
            lambda: (
                not db.execute("SELECT 1 FROM metadata.river_queue WHERE name = 'idle'").fetchone()
            ),
            what="queue idle deleted",
            show=lambda: db.execute("SELECT name FROM metadata.river_queue").fetchall(),
        )
    finally:
        sup.stop()


def test_another_river_client_as_leader_is_respected(db_url, db):
    db.execute("INSERT INTO metadata.river_leader (leader_id, elected_at, expires_at)"
               " VALUES ('go-river-client', now(), now() + interval '1 hour')")  # fmt: skip
    past = ago(db, seconds=1)
    (jid,) = insert_jobs(db, "noop", state="scheduled", scheduled_at=past)
    sup = start(db_url, FAST)
    try:
        import time

        time.sleep(1.0)
        assert job(db, jid)["state"] == "scheduled"  # the Go leader's scheduler would promote it
        db.execute("DELETE FROM metadata.river_leader")
        db.execute(
            """SELECT pg_notify('metadata.river_leadership', '{"leader_id":"go-river-client","action":"resigned"}')"""
        )
        wait_for(
            lambda: job(db, jid)["state"] == "completed",
            what=f"job {jid} completed",
            show=lambda: job(db, jid)["state"],
        )
        assert "became leader" in sup.log
    finally:
        sup.stop()


def test_two_supervisors_share_a_queue_without_double_work(db_url, db):
    db.execute("CREATE TABLE civic_bench_effects (job_id bigint PRIMARY KEY, note text)")
    a = start(db_url, {**FAST, "database": {"application_name": "civic-supervisor-a"}})
    b = start(db_url, {**FAST, "database": {"application_name": "civic-supervisor-b"}})
    try:
        insert_jobs(db, "write", 2000)
        wait_for(
            lambda: states(db) == {"completed": 2000},
            what='job states {"completed": 2000}',
            show=lambda: states(db),
            timeout=60,
        )
        # the primary key would have failed a second write of any job: exactly one each
        assert db.execute("SELECT count(*) FROM civic_bench_effects").fetchone()[0] == 2000
        by = dict(
            db.execute(
                "SELECT attempted_by[1], count(*) FROM metadata.river_job GROUP BY 1"
            ).fetchall()
        )
        assert len(by) == 2 and min(by.values()) > 0, by
        assert db.execute("SELECT max(attempt) FROM metadata.river_job").fetchone()[0] == 1
        leaders = [s for s in (a, b) if "became leader" in s.log]
        assert len(leaders) == 1
    finally:
        a.stop()
        b.stop()


def test_job_timeout_is_recorded_and_stuck_child_recycled(db_url, db):
    sup = start(db_url, {"queues": {"bench": {"job_timeout": "500ms"}}, "job_timeout_grace": "500ms",
                         "shutdown_timeout": "1s"})  # fmt: skip
    try:
        pid = sup.children()["bench"].pid
        (jid,) = insert_jobs(db, "hang", args='{"seconds": 600}', max_attempts=1)
        wait_for(
            lambda: job(db, jid)["state"] == "discarded",
            what=f"job {jid} discarded",
            show=lambda: job(db, jid)["state"],
        )
        assert "JobTimeout: job exceeded its deadline of 0.5s" in job(db, jid)["errors"][0]["error"]
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


def test_poll_only_with_two_connections(db_url, db):
    sup = start(db_url, {"database": {"poll_only": True, "max_conns": 2}})
    try:
        ids = insert_jobs(db, "noop", 500)
        wait_for(
            lambda: all(job(db, i)["state"] == "completed" for i in ids[-5:]),
            what="every job of ids[-5:] completed",
            show=lambda: states(db),
        )
        assert states(db) == {"completed": 500}
        assert sup.connections(db) <= 2
        listeners = "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
        assert db.execute(listeners, (sup.app + " listener",)).fetchone()[0] == 0
    finally:
        sup.stop()


def test_two_connections_with_listener(db_url, db):
    sup = start(db_url, {"database": {"max_conns": 2}})
    try:
        ids = insert_jobs(db, "noop", 300)
        wait_for(
            lambda: states(db) == {"completed": 300},
            what='job states {"completed": 300}',
            show=lambda: states(db),
        )
        assert sup.connections(db) <= 2 and ids
    finally:
        sup.stop()
