"""What the running supervisor does with a child that breaks the RPC's rules."""

from __future__ import annotations

from tests.support.river import insert_jobs, job, states
from tests.support.supervisor_harness import start
from tests.support.wait import wait_for


def test_unregistered_statement_is_refused_and_logged(db_url, db):
    sup = start(db_url)
    try:
        (jid,) = insert_jobs(db, "forbidden", max_attempts=1)
        wait_for(
            lambda: job(db, jid)["state"] == "discarded",
            what=f"job {jid} discarded",
            show=lambda: job(db, jid)["state"],
        )
        assert "is not registered for bench" in job(db, jid)["errors"][0]["error"]
        assert "SECURITY: child bench asked for unregistered statement" in sup.log
        assert db.execute("SELECT to_regclass('metadata.river_job')").fetchone()[0] is not None
    finally:
        sup.stop()


def test_protocol_violation_recycles_only_that_child(db_url, db):
    sup = start(db_url)
    try:
        pid = sup.children()["bench"].pid
        (jid,) = insert_jobs(db, "garbage", max_attempts=1)
        wait_for(
            lambda: job(db, jid)["state"] == "discarded",
            what=f"job {jid} discarded",
            show=lambda: job(db, jid)["state"],
        )
        assert "protocol violation" in job(db, jid)["errors"][0]["error"]
        wait_for(
            lambda: (c := sup.children().get("bench")) and c.pid != pid,
            what="child bench restarted",
            show=sup.children,
        )
        ids = insert_jobs(db, "noop", 10)
        wait_for(
            lambda: all(job(db, i)["state"] == "completed" for i in ids),
            what="every job of ids completed",
            show=lambda: states(db),
        )
        assert sup.proc.poll() is None
        assert states(db)["completed"] == 10
    finally:
        assert sup.stop() == 0
