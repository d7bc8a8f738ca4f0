"""All children, as the parent's loop and the listener address them: build, iterate, route
queue events (wake, pause, resume, cancel), fence, and sweep orphaned claims.

Each child's lifecycle and restart policy are its own (child.py); this module only routes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from supervisor.child import ALIVE, Child
from supervisor.completer import Completer
from supervisor.config import Config, QueueConfig
from supervisor.database import RETRYABLE, Database
from supervisor.fetcher import Fetcher
from supervisor.orphans import ClaimGate
from supervisor.outcomes import Held

log = logging.getLogger("civic.children")


class ChildSet:
    def __init__(
        self,
        cfg: Config,
        queues: list[QueueConfig],
        db: Database,
        completer: Completer,
        *,
        on_outcomes: Callable[[list[Held], str], None],
        spawn: Callable[[Any], None],
        need_sweep: Callable[[], None],
    ) -> None:
        self.cfg = cfg
        self.db = db
        self.completer = completer
        self.gate = ClaimGate(need_sweep)
        self.children: dict[str, Child] = {}
        for q in queues:
            fetcher = Fetcher(db, q.queue, cfg.client_id, cfg.fetch_poll_interval,
                              cfg.fetch_cooldown, self.gate)  # fmt: skip
            self.children[q.name] = Child(cfg, q, db, completer, fetcher, on_outcomes, spawn)

    def __iter__(self) -> Iterator[Child]:
        return iter(self.children.values())

    def alive(self) -> list[Child]:
        """Children whose process still has to report its exit."""
        return [c for c in self if c.state in ALIVE]

    async def sweep_orphans(self) -> None:
        """After a failed claim: return rows claimed for us that no child holds."""
        queues = sorted({c.queue.queue for c in self})

        def held() -> list[int]:
            return [i for c in self for i in c.held] + list(self.completer.unresolved)

        try:
            await self.gate.sweep(self.db, self.cfg.client_id, queues, held)
        except RETRYABLE as exc:
            log.warning("orphan sweep postponed: %s", exc)

    def fence(self, cause: str) -> None:
        """Stop every child that holds jobs at once; their jobs go back as interrupted
        (attempt restored, no error), written when the database answers again."""
        for child in self:
            if child.held:
                child.kill_interrupted(cause)

    def wake(self, queue: str) -> None:
        for child in self:
            if child.queue.queue == queue:
                child.fetcher.wake()

    def wake_all(self) -> None:
        for child in self:
            child.fetcher.wake()

    def cancel(self, job_id: int) -> None:
        """river_control cancel: tell the child running the job (the row itself is River's)."""
        for child in self:
            if job_id in child.held and child.run is not None:
                child.run.channel.send_event("cancel", job_id=job_id)

    def pause(self, queue: str, paused: bool) -> None:
        """river_control pause/resume of one queue, or every queue for "*"."""
        for child in self:
            if queue in ("*", child.queue.queue):
                child.fetcher.paused = paused
                log.info("queue %s %s", child.queue.queue, "paused" if paused else "resumed")
                if not paused:
                    child.fetcher.wake()
