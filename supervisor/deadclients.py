"""Recover the jobs of a civic-supervisor that died, in seconds instead of River's hour.

Every supervisor holds a session advisory lock keyed on its client id on its LISTEN session,
for as long as it lives, and claims nothing while it does not hold it (supervisor/orphans.py).
A peer (any running supervisor, not only the leader) that sees `running` jobs whose last
claimer is positively a civic-supervisor and whose lock has been gone for
`dead_client_after` knows that client is dead, not slow, and returns those jobs through
River's retry policy with the cause as the error. Positively means: its id has the form
`civic:...`, which River's default id (`<hostname>_<time>`) never takes, since no host name
holds a colon; or this peer once saw its lock held (a configured `client_id` of another
form). A Go River client is neither, whatever its host is called, so
its jobs are left to River's own rescuer. The confirmation period rides out a LISTEN session
that is reconnecting: the listener's backoff is capped well below it (supervisor/listener.py).
"""

from __future__ import annotations

import logging
import time

from supervisor.config import CLIENT_PREFIX
from supervisor.database import Database
from supervisor.outcomes import Held, as_params, errored
from supervisor.river.sql import CLAIMERS, LOCK_CLASS, RUNNING_OF, SET_STATE

log = logging.getLogger("civic.deadclients")


class DeadClients:
    def __init__(self, db: Database, client_id: str, dead_after: float) -> None:
        self.db = db
        self.client_id = client_id
        self.dead_after = dead_after
        self.civic: set[str] = set()
        self.missing_since: dict[str, float] = {}

    async def check(self) -> int:
        """One pass: note lock holders, rescue the confirmed dead. Returns jobs returned."""
        params = {"cls": LOCK_CLASS, "client_id": self.client_id}
        async with self.db.connection() as conn:
            rows = await (await conn.execute(self.db.sql(CLAIMERS), params)).fetchall()
        now = time.monotonic()
        dead = []
        for client, alive in rows:
            if alive:
                self.civic.add(client)
                self.missing_since.pop(client, None)
            elif client.startswith(CLIENT_PREFIX) or client in self.civic:
                first = self.missing_since.setdefault(client, now)
                if now - first >= self.dead_after:
                    dead.append(client)
        total = 0
        for client in dead:
            total += await self._rescue(client)
            self.missing_since.pop(client, None)
        return total

    async def _rescue(self, client: str) -> int:
        cause = f"civic-supervisor {client} died (its session lock is gone)"
        async with self.db.connection() as conn, conn.transaction():
            rows = await (
                await conn.execute(self.db.sql(RUNNING_OF), {"client": client})
            ).fetchall()
            changes = [
                errored(Held(i, a, m, n, at, kind, queue, None), cause)
                for i, a, m, n, at, kind, queue in rows
            ]
            if changes:
                await conn.execute(self.db.sql(SET_STATE), as_params(changes))
        if changes:
            log.warning("returned %d job(s) of dead client %s", len(changes), client)
        return len(changes)
