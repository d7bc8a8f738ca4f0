"""Outcomes from every child, written in batches: one statement per tick (River's completer).

Plain outcomes share one statement per tick (flushed every 50 ms or at 100 pending): COMPLETE
for the completed ones, SET_STATE for the rest.
Outcomes with worker writes get a transaction each: lock the job row if it is still this
attempt's `running` row, run the writes, set the state, commit; so both happen or neither.
While the database is away, outcomes wait here and are written after; the `running` and
attempt guards make a replayed batch a no-op, so nothing is written twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

import psycopg

from proxy.river_sql import COMPLETE, LOCK_RUNNING, SET_STATE
from supervisor.database import RETRYABLE, Database
from supervisor.outcomes import Held, StateChange, as_params, errored

log = logging.getLogger("civic.completer")
TICK = 0.05
FLUSH_AT = 100
MAX_BATCH = 5000


@dataclass
class Pending:
    change: StateChange
    writes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    held: Held | None = None
    done: asyncio.Future[str | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Completer:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.pending: list[Pending] = []
        self.unresolved: set[int] = set()
        """Jobs whose outcome is not written yet: still `running` in the table, but ours."""
        self._kick = asyncio.Event()
        self.written = 0

    def submit(self, item: Pending) -> asyncio.Future[str | None]:
        """Queue an outcome; the future resolves to the row's new state (None: not running)."""
        self.pending.append(item)
        self.unresolved.add(item.change.id)
        if len(self.pending) >= FLUSH_AT:
            self._kick.set()
        return item.done

    async def run(self) -> None:
        delay = TICK
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), delay)
            self._kick.clear()
            try:
                await self.flush()
                delay = TICK
            except RETRYABLE as exc:
                delay = min(max(delay * 2, 0.2), 5.0)
                log.warning("%d outcomes wait for the database (%s)", len(self.pending), exc)

    async def flush(self) -> None:
        while self.pending:
            batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
            try:
                await self._write(batch)
            except BaseException:
                self.pending[:0] = [p for p in batch if not p.done.done()]
                raise

    async def _write(self, batch: list[Pending]) -> None:
        plain = [p for p in batch if not p.writes]
        if plain:
            states: dict[int, str] = {}
            async with self.db.connection() as conn:
                for template, params in statements([p.change for p in plain]):
                    cur = await conn.execute(self.db.sql(template), params)
                    states.update(await cur.fetchall())
            for p in plain:
                self._resolve(p, states.get(p.change.id))
            self.written += len(plain)
        for p in batch:
            if p.writes:
                await self._write_with_effects(p)

    async def _write_with_effects(self, p: Pending) -> None:
        async with self.db.connection() as conn:
            try:
                async with conn.transaction():
                    key = {"id": p.change.id, "attempt": p.change.attempt}
                    cur = await conn.execute(self.db.sql(LOCK_RUNNING), key)
                    if await cur.fetchone() is None:
                        self._resolve(p, None)
                        return
                    for statement, params in p.writes:
                        await conn.execute(statement, params)
                    cur = await conn.execute(self.db.sql(SET_STATE), as_params([p.change]))
                    row = await cur.fetchone()
            except psycopg.OperationalError:
                raise
            except (psycopg.Error, KeyError, TypeError, ValueError) as exc:
                # The worker's own statement failed (constraint, bad value): the job retries.
                log.warning("job %d: worker write failed: %s", p.change.id, exc)
                failed = errored(p.held, f"database write failed: {exc}") if p.held else p.change
                self.submit(Pending(failed, held=p.held, done=p.done))
                return
        self._resolve(p, row[1] if row else None)
        self.written += 1

    def _resolve(self, p: Pending, state: str | None) -> None:
        self.unresolved.discard(p.change.id)
        if not p.done.done():
            p.done.set_result(state)


def statements(changes: list[StateChange]) -> list[tuple[str, dict[str, Any]]]:
    """The statements that write `changes`: COMPLETE for completions, SET_STATE for the rest.
    The raw-SQL bench runs exactly these, so its ceiling is for the same SQL."""
    done = [c for c in changes if c.state == "completed" and c.error is None]
    rest = [c for c in changes if not (c.state == "completed" and c.error is None)]
    out = []
    if done:
        out.append((COMPLETE, {"id": [c.id for c in done], "attempt": [c.attempt for c in done]}))
    if rest:
        out.append((SET_STATE, as_params(rest)))
    return out
