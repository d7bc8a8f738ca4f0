"""The opt-in statement-level insert trigger (`migrate --notify-trigger`).

Jobs inserted by plain SQL (Civic OS triggers) send no NOTIFY; with the trigger, one
notification per statement and queue wakes the supervisor instead of its poll.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import psycopg

from supervisor.notify_trigger import install, installed, remove
from tests.support.river import insert_jobs, job, notify_insert
from tests.support.supervisor_harness import start
from tests.support.wait import wait_for

CHANNEL = "metadata.river_insert"


def _notifications(db_url: str, statement: str, wait: float = 0.3) -> list[dict]:
    """Payloads on the insert channel caused by running `statement` in one transaction."""
    with (
        psycopg.connect(db_url, autocommit=True) as listener,
        psycopg.connect(db_url, autocommit=True) as writer,
    ):
        listener.execute(f'LISTEN "{CHANNEL}"')
        writer.execute(statement)
        return [json.loads(n.payload) for n in listener.notifies(timeout=wait)]


def test_install_is_idempotent_and_remove_undoes_it(db):
    assert not installed(db, "metadata")
    install(db, "metadata")
    install(db, "metadata")
    assert installed(db, "metadata")
    remove(db, "metadata")
    assert not installed(db, "metadata")
    fn = db.execute("SELECT to_regproc('metadata.civic_river_insert_notify')").fetchone()[0]
    assert fn is None


def test_multi_row_insert_sends_one_notification_per_queue(db, db_url):
    install(db, "metadata")
    payloads = _notifications(
        db_url,
        "INSERT INTO metadata.river_job (kind, args, queue)"
        " SELECT 'noop', '{}', CASE WHEN i % 3 = 0 THEN 'qa' ELSE 'qb' END"
        " FROM generate_series(1, 900) i",
    )
    assert sorted(p["queue"] for p in payloads) == ["qa", "qb"]


def test_scheduled_jobs_and_other_statements_do_not_notify(db, db_url):
    install(db, "metadata")
    future = _notifications(
        db_url,
        "INSERT INTO metadata.river_job (kind, args, queue, state, scheduled_at)"
        " VALUES ('noop', '{}', 'qa', 'scheduled', now() + interval '1 hour')",
    )
    update = _notifications(db_url, "UPDATE metadata.river_job SET priority = 2")
    assert future == [] and update == []


def test_plain_sql_job_starts_long_before_the_poll(db, db_url):
    """fetch_poll_interval is 10 s: only the trigger's NOTIFY can explain a prompt start."""
    install(db, "metadata")
    sup = start(db_url, {"fetch_poll_interval": "10s"})
    try:
        (warm,) = insert_jobs(db, "noop")
        notify_insert(db)
        wait_for(
            lambda: job(db, warm)["state"] == "completed",
            what=f"job {warm} completed",
            show=lambda: job(db, warm)["state"],
            timeout=15,
        )
        time.sleep(0.2)  # the child is long-polling again
        (jid,) = insert_jobs(db, "noop")
        j = wait_for(
            lambda: (j := job(db, jid))["state"] == "completed" and j,
            what=f"job {jid} completed",
            show=lambda: job(db, jid)["state"],
            timeout=5,
        )
        assert (j["attempted_at"] - j["created_at"]).total_seconds() < 2.0
    finally:
        assert sup.stop() == 0


def test_migrate_command_installs_and_removes_the_trigger(db, db_url, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"database:\n  url: {db_url}\n")

    def migrate(*flags: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "supervisor.cli", "migrate", "-c", str(cfg), *flags],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip

    assert "civic_river_insert_notify installed" in migrate("--notify-trigger")
    assert installed(db, "metadata")
    assert "removed" in migrate("--remove-notify-trigger") and not installed(db, "metadata")
    migrate()
    assert not installed(db, "metadata")  # plain migrate never adds it: opt-in
