"""Recover the jobs of a civic-supervisor that died, in seconds instead of River's hour.

Every supervisor holds a session advisory lock keyed on its client id on its LISTEN session,
for as long as it lives, and claims nothing while it does not hold it (supervisor/orphans.py).
A peer (any running supervisor, not only the leader) that sees `running` jobs whose last
claimer is positively a civic-supervisor and whose lock has been gone for
`dead_client_after` knows that client is dead, not slow, and returns those jobs through
River's retry policy with the cause as the error. Positively means: its id has the form
`civic:...`, which River's default id (`<hostname>_<time>`, spec/RIVER_REVIEW.md §2.2) never
takes, since no host name holds a colon; or this peer once saw its lock held (a configured
`client_id` of another form). A Go River client is neither, whatever its host is called, so
its jobs are left to River's own rescuer. The confirmation period rides out a LISTEN session
that is reconnecting: the listener's backoff is capped well below it (supervisor/listener.py).
"""

from __future__ import annotations

import logging
import time

from proxy.river_sql import SET_STATE
from supervisor.config import CLIENT_PREFIX
from supervisor.database import Database
from supervisor.outcomes import Held, as_params, errored

log = logging.getLogger("civic.deadclients")
LOCK_CLASS = 0x43495643  # "CIVC"

TRY_LOCK = "SELECT pg_try_advisory_lock(%(cls)s, hashtext(%(client_id)s))"

CLAIMERS = """
SELECT c.client,
       EXISTS (SELECT 1 FROM pg_locks l
               WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                 AND l.classid = %(cls)s::oid
                 AND l.objid::bigint = (hashtext(c.client)::bigint & 4294967295)) AS alive
FROM (SELECT DISTINCT attempted_by[array_length(attempted_by, 1)] AS client
      FROM {s}river_job WHERE state = 'running') c
WHERE c.client IS NOT NULL AND c.client <> %(client_id)s
"""

RUNNING_OF = """
SELECT id, attempt, max_attempts, coalesce(array_length(errors, 1), 0), attempted_at, kind, queue
FROM {s}river_job
WHERE state = 'running' AND attempted_by[array_length(attempted_by, 1)] = %(client)s
ORDER BY id LIMIT 10000
"""


class DeadClients:
    def __init__(self, db: Database, client_id: str, dead_after: float) -> None:
        self.db = db
        self.client_id = client_id
        self.dead_after = dead_after
        self.civic: set[str] = set()
        self.missing_since: dict[str, float] = {}
        self.recovered = 0

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
        self.recovered += total
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
