"""`river_queue` rows for our queues: upserted at start and every keep-alive period, as every
River producer does, and the source of a queue's paused state when no LISTEN is possible."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from supervisor.config import Config
from supervisor.database import RETRYABLE, Database
from supervisor.river.sql import QUEUE_PAUSED, QUEUE_UPSERT

if TYPE_CHECKING:
    from supervisor.children import ChildSet

log = logging.getLogger("civic.queues")
POLL_PAUSED = 2.0
"""River's queuePollIntervalDefault for poll-only producers."""


class QueueKeeper:
    def __init__(self, db: Database, cfg: Config, children: ChildSet) -> None:
        self.db = db
        self.cfg = cfg
        self.children = children

    @property
    def names(self) -> list[str]:
        return sorted({c.queue.queue for c in self.children})

    async def register(self) -> None:
        """Upsert each queue and start its fetcher paused if the queue is paused."""
        paused = set()
        async with self.db.connection() as conn:
            for name in self.names:
                row = await (
                    await conn.execute(self.db.sql(QUEUE_UPSERT), {"name": name})
                ).fetchone()
                if row is not None and row[0]:  # the upsert returns its one row
                    paused.add(name)
        self._apply(paused)

    def _apply(self, paused: set[str]) -> None:
        for child in self.children:
            fetcher = child.fetcher
            resumed = fetcher.paused and fetcher.queue not in paused
            fetcher.paused = fetcher.queue in paused
            if resumed:
                fetcher.wake()

    async def run(self) -> None:
        keepalive = self.cfg.maintenance.queue_keepalive_interval
        poll_only = self.cfg.database.poll_only
        elapsed = 0.0
        while True:
            step = POLL_PAUSED if poll_only else keepalive
            await asyncio.sleep(step)
            elapsed += step
            try:
                if elapsed >= keepalive:
                    elapsed = 0.0
                    await self.register()
                elif poll_only:
                    async with self.db.connection() as conn:
                        cur = await conn.execute(self.db.sql(QUEUE_PAUSED), {"names": self.names})
                        self._apply({r[0] for r in await cur.fetchall()})
            except RETRYABLE as exc:
                log.warning("queue keep-alive: %s", exc)
