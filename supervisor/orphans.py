"""Claims whose reply was lost: the UPDATE committed, then the session died before we read it.

Those rows are `running` under our client id but no child holds them; left alone they would
wait an hour for the rescuer. After a failed claim, the next sweep (run while no claim is in
flight) returns them to `available` with their attempt restored, as an interrupted job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from supervisor.database import Database
from supervisor.river.sql import SWEEP

log = logging.getLogger("civic.orphans")


class ClaimGate:
    """Claims run concurrently; a sweep waits for them to drain and holds new ones back."""

    def __init__(self, need_sweep: Callable[[], None] = lambda: None) -> None:
        self.need_sweep = need_sweep
        """Ask the parent's loop for a sweep (it posts an OrphanSweepNeeded event): after a
        claim whose reply was lost, after a failed sweep, and when our liveness lock is ours
        again."""
        self.in_flight = 0
        self.live = True
        """False while this supervisor does not hold its liveness lock: a peer may then take
        it for dead and rescue what it claims, so nothing is claimed (deadclients.py)."""
        self._open = asyncio.Event()
        self._open.set()
        self._idle = asyncio.Event()
        self._idle.set()

    @asynccontextmanager
    async def claiming(self) -> AsyncIterator[None]:
        await self._open.wait()
        self.in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self._idle.set()

    async def sweep(
        self, db: Database, client_id: str, queues: list[str], held: Callable[[], list[int]]
    ) -> int:
        """`held()`: every job we still account for (children's and unwritten outcomes)."""
        self._open.clear()
        try:
            await self._idle.wait()
            params = {"queues": queues, "client_id": client_id, "held": held()}
            async with db.connection() as conn:
                rows = await (await conn.execute(db.sql(SWEEP), params)).fetchall()
        except BaseException:
            self.need_sweep()
            raise
        finally:
            self._open.set()
        if rows:
            log.warning("returned %d job(s) whose claim reply was lost", len(rows))
        return len(rows)
