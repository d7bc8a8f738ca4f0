"""What the parent tells the outside: metrics, /healthz and /readyz, and systemd.

Everything is updated from the parent's loop tick, so a stuck loop shows: /healthz goes
stale and the systemd watchdog stops being fed. Queue depth is read through the pool every
few seconds; that read doubles as the database check behind /readyz.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict
from typing import TYPE_CHECKING

from supervisor.child import State
from supervisor.database import RETRYABLE
from supervisor.health_http import HealthServer
from supervisor.metrics import ChildInfo, Metrics
from supervisor.outcomes import Held
from supervisor.river.sql import QUEUE_DEPTH as QUEUE_DEPTH_SQL
from supervisor.sdnotify import Notifier

if TYPE_CHECKING:
    from supervisor.supervisor import Supervisor

log = logging.getLogger("civic.observe")
STALE_LOOP = 5.0
STALE_DB = 15.0
DEPTH_EVERY = 5.0
STATUS_EVERY = 5.0
OUTCOME = {"completed": "completed", "error": "error", "cancel": "cancelled", "snooze": "snoozed"}


class Observer:
    def __init__(self, sup: Supervisor) -> None:
        self.sup = sup
        self.metrics = Metrics()
        self.notifier = Notifier.from_env()
        self.server: HealthServer | None = None
        if sup.cfg["metrics.listen"]:
            self.server = HealthServer(
                sup.cfg["metrics.listen"], self.metrics, self.healthy, self.ready,
                lambda: [asdict(c) for c in self.children()],
            )  # fmt: skip
        self.last_tick = time.monotonic()
        self.last_db_ok = 0.0
        self._last = {"depth": 0.0, "status": 0.0, "watchdog": 0.0}
        self.announced = False

    def jobs_finished(self, jobs: Iterable[Held], result: str) -> None:
        """Jobs that ended with one result, counted per queue, kind and start (a claim)."""
        now, outcome = time.time(), OUTCOME.get(result, result)
        groups = Counter((h.queue, h.kind, h.attempted_at) for h in jobs)
        for (queue, kind, at), n in groups.items():
            self.metrics.jobs_finished(queue, kind, outcome, now - at.timestamp(), n)

    def start(self) -> None:
        if self.server is not None:
            self.server.start()
            log.info(
                "metrics and health on http://%s (/metrics, /healthz, /readyz)",
                self.sup.cfg["metrics.listen"],
            )

    def stop(self) -> None:
        self.notifier.stopping()
        if self.server is not None:
            self.server.stop()

    def children(self) -> list[ChildInfo]:
        return [
            ChildInfo(c.name, c.broker.queue.queue, c.state.value, c.proc.pid if c.proc else None,
                      c.restarts, c.broker.busy, c.broker.queue.max_workers, c.last_exit)
            for c in self.sup.children
        ]  # fmt: skip

    def summary(self) -> str:
        parts = [f"{c.name} {c.state} {c.busy}/{c.max_workers}" for c in self.children()]
        role = "leader" if self.sup.elector.is_leader else "follower"
        return f"{'; '.join(parts)}; {role}; {self.sup.completer.written} outcomes written"

    async def tick(self) -> None:
        """Called by the parent's loop on every tick."""
        now = time.monotonic()
        self.last_tick = now
        children = self.children()
        self.metrics.set_children(children)
        stats = self.sup.db.pool.get_stats()
        size = stats.get("pool_size", 0)
        self.metrics.set_pool(
            size, size - stats.get("pool_available", 0), stats.get("requests_waiting", 0)
        )
        self.metrics.count_failures(
            {**self.sup.maintenance.failures, "completer": self.sup.completer.unrecordable}
        )
        listener = self.sup.listener
        self.metrics.set_flags(
            listener=bool(listener and listener.connected), leader=self.sup.elector.is_leader
        )
        if not self.announced and all(c.state == "running" for c in children):
            self.announced = True
            self.notifier.ready(self.summary())
        interval = self.notifier.watchdog_interval
        if interval and now - self._last["watchdog"] >= interval:
            self._last["watchdog"] = now
            self.notifier.watchdog()
        if now - self._last["status"] >= STATUS_EVERY:
            self._last["status"] = now
            self.notifier.status(self.summary())
        if now - self._last["depth"] >= DEPTH_EVERY:
            self._last["depth"] = now
            await self._depth()

    async def _depth(self) -> None:
        try:
            async with self.sup.db.connection(timeout=2) as conn:
                rows = await (await conn.execute(self.sup.db.sql(QUEUE_DEPTH_SQL))).fetchall()
        except RETRYABLE as exc:
            log.debug("queue depth: %s", exc)
            return
        self.metrics.set_queue_depth(rows)
        self.last_db_ok = time.monotonic()

    def healthy(self) -> tuple[bool, str]:
        age = time.monotonic() - self.last_tick
        return (age < STALE_LOOP, f"loop ticked {age:.1f}s ago")

    def ready(self) -> tuple[bool, str]:
        if time.monotonic() - self.last_db_ok > STALE_DB:
            return False, "database not reachable"
        down = [c for c in self.sup.children if c.state != State.RUNNING]
        if down:
            return False, "; ".join(
                f"child {c.name} {c.state.value}: {c.last_exit or 'starting'}" for c in down
            )
        return True, "database reachable, every child running"
