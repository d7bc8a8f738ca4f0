"""Leader election through `river_leader`, exactly as River does it, so that a Go River client
on the same schema can be the leader instead.

Followers try every elect interval (+0-1 s); the leader re-elects on the same period, matched
on its term's `elected_at`, and trusts its term only until `attempt start + ttl - 1 s`. A
`resigned` notification makes followers try within 50 ms.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime

from supervisor.database import RETRYABLE, Database
from supervisor.river.sql import ELECT, ELECT_DELETE_EXPIRED, NOTIFY, REELECT, RESIGN

log = logging.getLogger("civic.leader")


class Elector:
    def __init__(
        self,
        db: Database,
        client_id: str,
        interval: float,
        ttl: float,
        on_change: Callable[[bool], None],
    ) -> None:
        self.db = db
        self.client_id = client_id
        self.interval = interval
        self.ttl = ttl
        self.on_change = on_change
        self.term: datetime | None = None
        self.valid_until = 0.0
        self._poke = asyncio.Event()

    @property
    def is_leader(self) -> bool:
        return self.term is not None and time.monotonic() < self.valid_until

    def poke(self) -> None:
        """Another client resigned: try soon (River: random 0-50 ms)."""
        self._poke.set()

    async def run(self) -> None:
        while True:
            started = time.monotonic()
            try:
                await (self._reelect() if self.term is not None else self._elect())
                if self.term is not None:
                    self.valid_until = started + self.ttl - 1.0
            except RETRYABLE as exc:
                log.warning("leader election failed: %s", exc)
            if self.term is not None and time.monotonic() >= self.valid_until:
                self._set(None)
            wait = self.interval + (0 if self.term else random.uniform(0, 1))
            self._poke.clear()
            try:
                await asyncio.wait_for(self._poke.wait(), wait)
                await asyncio.sleep(random.uniform(0, 0.05))
            except TimeoutError:
                pass

    async def _elect(self) -> None:
        async with self.db.connection() as conn, conn.transaction():
            await conn.execute(self.db.sql(ELECT_DELETE_EXPIRED))
            cur = await conn.execute(
                self.db.sql(ELECT), {"leader_id": self.client_id, "ttl": self.ttl}
            )
            row = await cur.fetchone()
        if row is not None:
            self._set(row[0])

    async def _reelect(self) -> None:
        params = {"leader_id": self.client_id, "ttl": self.ttl, "elected_at": self.term}
        async with self.db.connection() as conn:
            row = await (await conn.execute(self.db.sql(REELECT), params)).fetchone()
        if row is None:
            log.warning("lost leadership (term expired or taken over)")
            self._set(None)

    def _set(self, term: datetime | None) -> None:
        was = self.is_leader
        self.term = term
        if term is None:
            self.valid_until = 0.0
        else:
            self.valid_until = time.monotonic() + self.ttl - 1.0
        if was != self.is_leader:
            log.info(
                "%s leader (client %s)", "became" if self.is_leader else "no longer", self.client_id
            )
            self.on_change(self.is_leader)

    async def resign(self) -> None:
        """Give up leadership and tell the others, in one transaction (up to 3 tries)."""
        if self.term is None:
            return
        channel = f"{self.db.cfg.schema}.river_leadership"
        payload = json.dumps({"leader_id": self.client_id, "action": "resigned"})
        for _ in range(3):
            try:
                async with self.db.connection(timeout=3) as conn, conn.transaction():
                    cur = await conn.execute(self.db.sql(RESIGN), {"leader_id": self.client_id})
                    if await cur.fetchone() is not None:
                        await conn.execute(NOTIFY, {"channel": channel, "payload": payload})
                break
            except RETRYABLE as exc:
                log.warning("resign failed: %s", exc)
        self._set(None)
