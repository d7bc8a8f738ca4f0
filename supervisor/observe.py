"""What the parent tells the outside: metrics, /healthz and /readyz, and systemd.

Gauges, readiness and the watchdog are updated from the parent's loop tick, so a stuck loop
shows: /healthz goes stale and the systemd watchdog stops being fed. Queue depth is read
through the pool by a task of its own every few seconds (the loop never waits on the
database); that read doubles as the database check behind /readyz.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict

from supervisor.child import State
from supervisor.children import ChildSet
from supervisor.database import RETRYABLE, Database
from supervisor.health_http import HealthServer
from supervisor.metrics import ChildInfo, Metrics
from supervisor.river.sql import QUEUE_DEPTH
from supervisor.sdnotify import Notifier

log = logging.getLogger("civic.observe")
STALE_LOOP = 5.0
STALE_DB = 15.0
DEPTH_EVERY = 5.0
STATUS_EVERY = 5.0


class Observer:
    def __init__(
        self,
        metrics: Metrics,
        children: ChildSet,
        db: Database,
        *,
        listen: str,
        is_leader: Callable[[], bool],
        listener_up: Callable[[], bool],
        failures: Callable[[], Mapping[str, int]],
        written: Callable[[], int],
    ) -> None:
        self.metrics = metrics
        self.children = children
        self.db = db
        self.is_leader = is_leader
        self.listener_up = listener_up
        self.failures = failures
        self.written = written
        self.notifier = Notifier.from_env()
        self.listen = listen
        self.server: HealthServer | None = None
        if listen:
            self.server = HealthServer(
                listen, metrics, self.healthy, self.ready,
                lambda: [asdict(c) for c in self.child_info()],
            )  # fmt: skip
        self.last_tick = time.monotonic()
        self.last_db_ok = 0.0
        self._last_status = 0.0
        self._last_watchdog = 0.0
        self.announced = False

    def start(self) -> None:
        if self.server is not None:
            self.server.start()
            log.info("metrics and health on http://%s (/metrics, /healthz, /readyz)", self.listen)

    def stop(self) -> None:
        self.notifier.stopping()
        if self.server is not None:
            self.server.stop()

    def child_info(self) -> list[ChildInfo]:
        return [
            ChildInfo(c.name, c.queue.queue, c.state.value, c.pid, c.restarts, c.busy,
                      c.queue.max_workers, c.last_exit)
            for c in self.children
        ]  # fmt: skip

    def summary(self) -> str:
        parts = [f"{c.name} {c.state} {c.busy}/{c.max_workers}" for c in self.child_info()]
        role = "leader" if self.is_leader() else "follower"
        return f"{'; '.join(parts)}; {role}; {self.written()} outcomes written"

    def tick(self) -> None:
        """Called by the parent's loop on every tick; never waits."""
        now = time.monotonic()
        self.last_tick = now
        children = self.child_info()
        self.metrics.set_children(children)
        stats = self.db.pool.get_stats()
        size = stats.get("pool_size", 0)
        self.metrics.set_pool(
            size, size - stats.get("pool_available", 0), stats.get("requests_waiting", 0)
        )
        self.metrics.count_failures(dict(self.failures()))
        self.metrics.set_flags(listener=self.listener_up(), leader=self.is_leader())
        if not self.announced and all(c.has_run for c in self.children):
            self.announced = True
            self.notifier.ready(self.summary())
        interval = self.notifier.watchdog_interval
        if interval and now - self._last_watchdog >= interval:
            self._last_watchdog = now
            self.notifier.watchdog()
        if now - self._last_status >= STATUS_EVERY:
            self._last_status = now
            self.notifier.status(self.summary())

    async def read_depth(self) -> None:
        """Forever: queue depth per queue and state, every DEPTH_EVERY seconds."""
        while True:
            try:
                async with self.db.connection(timeout=2) as conn:
                    cur = await conn.execute(self.db.sql(QUEUE_DEPTH))
                    rows = await cur.fetchall()
            except RETRYABLE as exc:
                log.debug("queue depth: %s", exc)
            else:
                self.metrics.set_queue_depth(rows)
                self.last_db_ok = time.monotonic()
            await asyncio.sleep(DEPTH_EVERY)

    def healthy(self) -> tuple[bool, str]:
        age = time.monotonic() - self.last_tick
        return (age < STALE_LOOP, f"loop ticked {age:.1f}s ago")

    def ready(self) -> tuple[bool, str]:
        if time.monotonic() - self.last_db_ok > STALE_DB:
            return False, "database not reachable"
        down = [c for c in self.children if c.state is not State.RUNNING]
        if down:
            return False, "; ".join(
                f"child {c.name} {c.state.value}: {c.last_exit or 'starting'}" for c in down
            )
        return True, "database reachable, every child running"
