"""The completer against the real database: one wait per request, settled once, never lost."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from supervisor.completer import Completer, Pending
from supervisor.config import load
from supervisor.database import RETRYABLE, Database
from supervisor.outcomes import completed, errored
from tests.support.river import claim, insert_jobs, job


def run(db_url: str, scenario: Any) -> None:
    async def main() -> None:
        database = Database(load(None, env={"DATABASE_URL": db_url, "DB_MAX_CONNS": "3"}))
        await database.open()
        try:
            await scenario(Completer(database))
        finally:
            await database.close()

    asyncio.run(main())


def test_completions_and_changes_of_one_request_resolve_together(db_url, db):
    insert_jobs(db, "noop", 3)
    a, b, c = claim(db, 3)

    async def scenario(completer: Completer) -> None:
        done = completer.submit([Pending(errored(c, "boom"), held=c)], [(a.id, 1), (b.id, 1)])
        assert not done.done() and completer.unresolved == {a.id, b.id, c.id}
        await completer.flush()
        assert done.done() and not completer.unresolved and completer.written == 3

    run(db_url, scenario)
    assert [job(db, h.id)["state"] for h in (a, b)] == ["completed", "completed"]
    assert job(db, c.id)["state"] == "available"
    assert job(db, c.id)["errors"][0]["error"] == "boom"


def test_a_failed_worker_write_retries_the_job_before_the_request_resolves(db_url, db):
    insert_jobs(db, "noop", 2)
    a, b = claim(db, 2)

    async def scenario(completer: Completer) -> None:
        bad: list[tuple[str, dict[str, Any]]] = [
            ("INSERT INTO metadata.no_such_table VALUES (1)", {})
        ]
        done = completer.submit([Pending(completed(a), bad, held=a)], [(b.id, 1)])
        await completer.flush()
        assert done.done() and not completer.unresolved

    run(db_url, scenario)
    assert job(db, b.id)["state"] == "completed"
    row = job(db, a.id)
    assert row["state"] == "available" and row["attempt"] == 1
    assert "database write failed" in row["errors"][0]["error"]


def test_outcomes_wait_out_a_lost_session_and_are_written_once(db_url, db):
    insert_jobs(db, "noop", 2)
    a, b = claim(db, 2)

    async def scenario(completer: Completer) -> None:
        async with completer.db.connection() as conn:  # the pool's sessions are open
            app = conn.info.parameter_status("application_name")
        db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (app,),
        )
        done = completer.submit([Pending(errored(b, "boom"), held=b)], [(a.id, 1)])
        with pytest.raises(RETRYABLE):
            await completer.flush()
        assert not done.done() and len(completer.completions) == len(completer.pending) == 1
        for _ in range(3):  # as the completer's loop retries: each lost session goes once
            with contextlib.suppress(*RETRYABLE):
                await completer.flush()
        assert done.done() and not completer.unresolved

    run(db_url, scenario)
    assert job(db, a.id)["state"] == "completed"
    assert len(job(db, b.id)["errors"]) == 1


def test_shutdown_writes_completions_still_waiting(db_url, db):
    insert_jobs(db, "noop")
    (a,) = claim(db, 1)

    async def scenario(completer: Completer) -> None:
        completer.submit(completed=[(a.id, 1)])
        assert await completer.drain(1.0)

    run(db_url, scenario)
    assert job(db, a.id)["state"] == "completed"
