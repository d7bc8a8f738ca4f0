"""Periodic jobs that workers declare (workers.spec.PeriodicJob), enqueued by the leader as
River's PeriodicJobEnqueuer does.

Ticks are the multiples of a job's `every` since the Unix epoch, so every supervisor in a
fleet computes the same ones. Each tick's row carries a unique key (queue, kind, tick) with
River's default unique states, and the insert is `ON CONFLICT DO NOTHING` on River's own
unique index: a leader that changes mid-tick, two leaders during a handover, or a restart
never enqueue one tick twice. A tick is enqueued when it starts, or as soon as a leader exists
during it, so a period with a leader gets exactly one job.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Iterable

import orjson
import psycopg
from psycopg.types.json import Jsonb

from supervisor.config import QueueConfig
from supervisor.database import Database
from supervisor.river.sql import NOTIFY, PERIODIC_INSERT, PERIODIC_STATES
from workers.spec import PeriodicJob

log = logging.getLogger("civic.periodic")


def tick_of(job: PeriodicJob, now: float) -> float:
    """The start of the period `now` falls in."""
    return math.floor((now - job.offset) / job.every) * job.every + job.offset


def unique_key(queue: str, job: PeriodicJob, tick: float) -> bytes:
    """One key per (queue, kind, args, tick): what makes a tick's insert idempotent."""
    args = orjson.dumps(dict(job.args), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(
        b"civic_periodic|%s|%s|%s|%d" % (queue.encode(), job.kind.encode(), args, int(tick))
    ).digest()


class PeriodicEnqueuer:
    def __init__(self, db: Database, queues: Iterable[QueueConfig]) -> None:
        self.db = db
        self.jobs = [(job.queue or q.queue, job) for q in queues for job in q.spec.periodic]
        self.done = [-math.inf] * len(self.jobs)
        """Per job, the last tick this leader saw enqueued (by itself or by another)."""

    async def enqueue_due(self, now: float | None = None) -> int:
        """Insert every job whose current tick this leader has not enqueued yet; returns how
        many rows were new (a tick another leader enqueued counts as done, not new)."""
        now = time.time() if now is None else now
        due = [i for i, (_, job) in enumerate(self.jobs) if self.done[i] < tick_of(job, now)]
        if not due:
            return 0
        new, woken = 0, set()
        async with self.db.connection() as conn, conn.transaction():
            for i in due:
                queue, job = self.jobs[i]
                tick = tick_of(job, now)
                if await self._insert(conn, queue, job, tick):
                    new += 1
                    woken.add(queue)
                self.done[i] = tick
            for queue in woken:
                await conn.execute(NOTIFY, {
                    "channel": f"{self.db.cfg.schema}.river_insert",
                    "payload": orjson.dumps({"queue": queue}).decode(),
                })  # fmt: skip
        if new:
            log.info("enqueued %d periodic job(s) on %s", new, ", ".join(sorted(woken)))
        return new

    async def _insert(
        self, conn: psycopg.AsyncConnection[object], queue: str, job: PeriodicJob, tick: float
    ) -> bool:
        params = {
            "args": Jsonb(dict(job.args)),
            "kind": job.kind,
            "max_attempts": job.max_attempts,
            "priority": job.priority,
            "queue": queue,
            "metadata": Jsonb({"periodic": True, "periodic_tick": int(tick)}),
            "unique_key": unique_key(queue, job, tick),
            "unique_states": PERIODIC_STATES,
        }
        cur = await conn.execute(self.db.sql(PERIODIC_INSERT), params)
        return await cur.fetchone() is not None
