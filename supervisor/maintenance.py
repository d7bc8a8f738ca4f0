"""Leader-only maintenance, as River's: scheduler, rescuer, job cleaner, queue cleaner, and
the periodic jobs workers declare (supervisor/periodic.py).

Without these, `retryable` and `scheduled` jobs would never run again when no Go River client
is leader. They start when this supervisor wins the election and stop when it loses it.
Unlike River's, the rescuer never discards a job because its kind is unknown here.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import psycopg
from psycopg.types.json import Jsonb

from supervisor.config import Config
from supervisor.database import RETRYABLE, Database
from supervisor.outcomes import SCHEDULER_INTERVAL, retry_delay
from supervisor.periodic import PeriodicEnqueuer
from supervisor.river.sql import CLEAN, NOTIFY, QUEUE_CLEAN, RESCUE, SCHEDULE, STUCK
from supervisor.river.states import JobState

log = logging.getLogger("civic.maintenance")
LIMIT = 10000


class Maintenance:
    def __init__(self, db: Database, cfg: Config) -> None:
        self.db = db
        self.cfg = cfg
        self.tasks: list[asyncio.Task[None]] = []
        self.failures: Counter[str] = Counter()
        """Failed passes by service, for the metrics: a failing service never stops another."""
        self.periodic = PeriodicEnqueuer(db, cfg.enabled_queues())
        """Every enabled worker's periodic jobs, those of children run elsewhere (--only)
        included: the leader enqueues for the fleet."""

    def start(self) -> None:
        services: list[tuple[str, float, Callable[[], Awaitable[int]]]] = [
            ("scheduler", self.cfg.maintenance.scheduler_interval, self.schedule),
            ("rescuer", self.cfg.maintenance.rescuer_interval, self.rescue),
            ("cleaner", self.cfg.maintenance.cleaner_interval, self.clean),
            ("queue cleaner", self.cfg.maintenance.queue_cleaner_interval, self.clean_queues),
        ]
        if self.periodic.jobs:
            services.append(
                ("periodic", self.cfg.maintenance.periodic_interval, self.periodic.enqueue_due)
            )
        self.tasks = [asyncio.get_running_loop().create_task(self._loop(*s)) for s in services]

    def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        self.tasks = []

    def reload(self) -> None:
        """After SIGHUP: the periodic jobs of the workers now enabled, at the new intervals.
        Restarting a running service only repeats one idempotent pass (a tick already
        enqueued is skipped by its unique key)."""
        running = bool(self.tasks)
        self.stop()
        self.periodic = PeriodicEnqueuer(self.db, self.cfg.enabled_queues())
        if running:
            self.start()

    async def _loop(self, name: str, interval: float, once: Callable[[], Awaitable[int]]) -> None:
        while True:
            try:
                await once()
            except RETRYABLE as exc:
                log.warning("%s: database unavailable: %s", name, exc)
            except Exception:
                self.failures[name] += 1
                log.exception("%s failed (the other services go on)", name)
            await asyncio.sleep(interval)

    async def schedule(self) -> int:
        """Promote due retryable/scheduled jobs; wake the queues of those due now.

        Should a batch still fail (a unique-key tangle River's own rule cannot resolve), the
        rows without a unique key are promoted anyway, so one tangle never stalls the schema."""
        try:
            return await self._schedule(unique=True)
        except psycopg.Error as exc:
            if isinstance(exc, RETRYABLE):
                raise
            self.failures["scheduler"] += 1
            log.error("scheduler: %s; promoting jobs without a unique key only", exc)
            return await self._schedule(unique=False)

    async def _schedule(self, *, unique: bool) -> int:
        total = 0
        params = {"lookahead": SCHEDULER_INTERVAL, "limit": LIMIT, "unique": unique}
        while True:
            async with self.db.connection() as conn, conn.transaction():
                rows = await (await conn.execute(self.db.sql(SCHEDULE), params)).fetchall()
                for queue in sorted({q for q, due_now in rows if due_now}):
                    await conn.execute(NOTIFY, {
                        "channel": f"{self.cfg.schema}.river_insert",
                        "payload": json.dumps({"queue": queue}),
                    })  # fmt: skip
            total += len(rows)
            if len(rows) < LIMIT:
                break
        return total

    async def rescue(self) -> int:
        """Running jobs older than rescue_after: retry, discard or cancel, as River does.
        Jobs of our queues without a job_timeout are never stuck (River skips a worker's
        timeout -1 too): they run as long as they must, and a dead supervisor's come back
        through its peers (deadclients.py)."""
        untimed = sorted({q.queue for q in self.cfg.queues.values() if q.job_timeout <= 0})
        after, total = 0, 0
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        while True:
            params = {
                "after": after,
                "rescue_after": self.cfg.maintenance.rescue_after,
                "untimed": untimed,
                "limit": LIMIT,
            }
            async with self.db.connection() as conn:
                rows = await (await conn.execute(self.db.sql(STUCK), params)).fetchall()
                if not rows:
                    break
                ids, states, errors, delays = [], [], [], []
                for id_, attempt, max_attempts, cancel, n_errors in rows:
                    ids.append(id_)
                    error = {
                        "at": now,
                        "attempt": attempt,
                        "error": "Stuck job rescued by JobRescuer",
                        "trace": "",
                    }
                    errors.append(Jsonb(error))
                    if cancel:
                        states.append(JobState.CANCELLED)
                    elif attempt < max_attempts:
                        states.append(JobState.RETRYABLE)
                    else:
                        states.append(JobState.DISCARDED)
                    delays.append(retry_delay(n_errors))
                await conn.execute(
                    self.db.sql(RESCUE),
                    {"id": ids, "state": states, "error": errors, "delay": delays},
                )
            total += len(rows)
            after = rows[-1][0]
            if len(rows) < LIMIT:
                break
        if total:
            log.warning("rescued %d stuck jobs", total)
        return total

    async def clean(self) -> int:
        params = {
            "cancelled": self.cfg.maintenance.cancelled_retention,
            "completed": self.cfg.maintenance.completed_retention,
            "discarded": self.cfg.maintenance.discarded_retention,
            "limit": LIMIT,
        }
        total = 0
        while True:
            async with self.db.connection() as conn:
                deleted = (await conn.execute(self.db.sql(CLEAN), params)).rowcount
            total += deleted
            if deleted < LIMIT:
                break
        return total

    async def clean_queues(self) -> int:
        params = {"retention": self.cfg.maintenance.queue_retention, "limit": 1000}
        async with self.db.connection() as conn:
            return (await conn.execute(self.db.sql(QUEUE_CLEAN), params)).rowcount
