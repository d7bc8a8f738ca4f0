"""Long-poll claims for one child: return jobs as soon as any are available.

A claim runs when the child asks, when an insert NOTIFY names the queue, on the poll timer
(River's FetchPollInterval, jittered 0-10% below it, so a job inserted without NOTIFY is
always found within the interval) and on resume. Claims lock at most the child's free slots,
like River's producer, so nothing is prefetched that a crash would strand.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from typing import Any

from supervisor.database import RETRYABLE, Database
from supervisor.orphans import ClaimGate
from supervisor.river.sql import CLAIM

log = logging.getLogger("civic.fetch")
MAX_ATTEMPTED_BY = 100


class Fetcher:
    def __init__(
        self,
        db: Database,
        queue: str,
        client_id: str,
        poll_interval: float,
        cooldown: float,
        gate: ClaimGate,
    ) -> None:
        self.db = db
        self.gate = gate
        self.queue = queue
        self.client_id = client_id
        self.poll_interval = poll_interval
        self.cooldown = cooldown
        self.paused = False
        self.stopped = False
        self._wake = asyncio.Event()
        self._last_claim = 0.0

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self.stopped = True
        self._wake.set()

    async def fetch(self, max_jobs: int, wait: float) -> list[tuple[Any, ...]]:
        deadline = time.monotonic() + wait
        while not self.stopped:
            if not self.paused and self.gate.live:
                rows = await self._claim(max_jobs)
                if rows:
                    return rows
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._wake.clear()
            nap = min(remaining, self.poll_interval * random.uniform(0.9, 1.0))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), nap)
        return []

    async def _claim(self, max_jobs: int) -> list[tuple[Any, ...]]:
        gap = self.cooldown - (time.monotonic() - self._last_claim)
        if gap > 0:
            await asyncio.sleep(gap)
        self._last_claim = time.monotonic()
        params = {
            "queue": self.queue,
            "max": max_jobs,
            "client_id": self.client_id,
            "max_attempted_by": MAX_ATTEMPTED_BY,
        }
        try:
            async with self.gate.claiming(), self.db.connection() as conn:
                if self.paused or not self.gate.live:  # changed while we waited for a session
                    return []
                cur = await conn.execute(self.db.sql(CLAIM), params)
                return await cur.fetchall()
        except RETRYABLE as exc:
            self.gate.need_sweep()  # the claim may have committed: sweep for lost rows
            log.warning("claim on %s failed: %s", self.queue, exc)
            await asyncio.sleep(0.5)
            return []
