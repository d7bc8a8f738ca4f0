"""Periodic jobs against the real River schema: one row per tick, however many leaders."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg

from supervisor.config import load
from supervisor.database import Database
from supervisor.periodic import PeriodicEnqueuer
from workers.spec import PeriodicJob

HOURLY = PeriodicJob("noop", every=3600.0, args={"report": "hourly"})
T0 = 1_800_000_000.0  # an exact multiple of 3600


def run(
    db_url: str, scenario: Callable[[PeriodicEnqueuer, PeriodicEnqueuer], Awaitable[None]]
) -> None:
    """Two enqueuers, as two supervisors that both believe they lead (a handover)."""

    async def main() -> None:
        cfg = load(None, env={"DATABASE_URL": db_url, "DB_MAX_CONNS": "3"})
        bench = cfg.queues["bench"]
        queue = dataclasses.replace(bench, spec=dataclasses.replace(bench.spec, periodic=(HOURLY,)))
        dbs = [Database(cfg), Database(cfg)]
        for d in dbs:
            await d.open()
        try:
            await scenario(PeriodicEnqueuer(dbs[0], [queue]), PeriodicEnqueuer(dbs[1], [queue]))
        finally:
            for d in dbs:
                await d.close()

    asyncio.run(main())


def rows(db: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    return db.execute(
        "SELECT queue, state::text, (metadata->>'periodic_tick')::bigint, args->>'report'"
        " FROM metadata.river_job WHERE kind = 'noop' ORDER BY id"
    ).fetchall()


def test_each_tick_is_enqueued_once_whoever_leads(db_url: str, db: psycopg.Connection[Any]) -> None:
    async def scenario(a: PeriodicEnqueuer, b: PeriodicEnqueuer) -> None:
        assert await a.enqueue_due(T0 + 10) == 1
        assert await b.enqueue_due(T0 + 20) == 0  # the other leader's row holds the tick
        assert await a.enqueue_due(T0 + 3599) == 0  # same tick: nothing to do
        assert await b.enqueue_due(T0 + 3600) == 1  # the next tick

    run(db_url, scenario)
    assert rows(db) == [("civic_bench", "available", int(T0), "hourly"),
                        ("civic_bench", "available", int(T0) + 3600, "hourly")]  # fmt: skip


def test_a_tick_stays_done_once_completed_but_can_run_again_after_a_cancel(
    db_url: str, db: psycopg.Connection[Any]
) -> None:
    async def first(a: PeriodicEnqueuer, b: PeriodicEnqueuer) -> None:
        assert await a.enqueue_due(T0) == 1

    run(db_url, first)
    db.execute("UPDATE metadata.river_job SET state = 'completed', finalized_at = now()")

    async def completed(a: PeriodicEnqueuer, b: PeriodicEnqueuer) -> None:
        assert await a.enqueue_due(T0 + 5) == 0  # a new leader: completed still counts

    run(db_url, completed)
    db.execute("UPDATE metadata.river_job SET state = 'cancelled'")

    async def cancelled(a: PeriodicEnqueuer, b: PeriodicEnqueuer) -> None:
        assert await a.enqueue_due(T0 + 5) == 1  # River's default unique states exclude it

    run(db_url, cancelled)
    assert [r[1] for r in rows(db)] == ["cancelled", "available"]
