"""The ceiling: River's claim and completion statements run directly, no proxy, no children.

Three connections each loop claim-100 / complete-100 (the supervisor's own SQL), so the ratio
supervisor/raw isolates what the parent, the RPC hop and the child cost.
"""

from __future__ import annotations

import asyncio
import time

import psycopg

from proxy.river_sql import CLAIM, SET_STATE, render
from supervisor.migrate import qualified
from supervisor.outcomes import StateChange, as_params

BATCH = 100


async def _worker(url: str, schema: str, queue: str, done: list[int]) -> None:
    claim, finish = render(CLAIM, qualified(schema)), render(SET_STATE, qualified(schema))
    params = {"queue": queue, "max": BATCH, "client_id": "raw-bench", "max_attempted_by": 100}
    async with await psycopg.AsyncConnection.connect(
        url, autocommit=True, application_name="civic-bench-raw"
    ) as conn:
        while True:
            rows = await (await conn.execute(claim, params)).fetchall()
            if not rows:
                return
            changes = [StateChange(r[0], r[3], "completed") for r in rows]
            await conn.execute(finish, as_params(changes))
            done[0] += len(rows)


async def burn_down(url: str, schema: str, queue: str, connections: int = 3) -> float:
    """Work off every available job of `queue`; returns seconds taken."""
    done = [0]
    start = time.perf_counter()
    await asyncio.gather(*(_worker(url, schema, queue, done) for _ in range(connections)))
    return time.perf_counter() - start
