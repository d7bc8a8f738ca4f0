"""The parent's pool: the only database sessions civic-supervisor opens, besides the listener.

Sizes come from the budget: `max_conns - 1` pooled plus one listener, or all pooled in
poll-only mode. Broken sessions (server restart, pg_terminate_backend) are discarded by the
pool when returned; callers retry on OperationalError, so nothing is lost in between.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from supervisor.config import Config
from supervisor.redact import redact_url
from supervisor.river.sql import quoted, render

log = logging.getLogger("civic.db")
T = TypeVar("T")
RETRYABLE = (psycopg.OperationalError, PoolTimeout)


def pool_size(cfg: Config) -> int:
    return cfg.database.max_conns - (0 if cfg.database.poll_only else 1)


class Database:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.prefix = quoted(cfg.schema) + "."
        """The quoted schema and a dot: what the child session puts in its workers' statements."""
        size = pool_size(cfg)
        self.pool = AsyncConnectionPool(
            cfg.database.url,
            min_size=min(cfg.database.min_conns, size),
            max_size=size,
            kwargs={"autocommit": True, "application_name": cfg.database.application_name},
            open=False,
            name="civic",
            max_lifetime=3600,
            max_idle=300,
            reconnect_timeout=365 * 86400,  # keep trying: the supervisor outlives outages
        )
        self._sql: dict[str, str] = {}

    def sql(self, template: str) -> str:
        """A statement for our schema, `{schema}` replaced (cached: once per template)."""
        text = self._sql.get(template)
        if text is None:
            text = self._sql[template] = render(template, self.cfg.schema)
        return text

    async def open(self) -> None:
        log.info("database %s, pool of %d", redact_url(self.cfg.database.url), self.pool.max_size)
        await self.pool.open(wait=False)

    async def close(self) -> None:
        await self.pool.close(timeout=5)

    @asynccontextmanager
    async def connection(self, timeout: float = 10.0) -> AsyncIterator[psycopg.AsyncConnection]:
        async with self.pool.connection(timeout=timeout) as conn:
            yield conn

    async def retrying(
        self,
        fn: Callable[[psycopg.AsyncConnection], Awaitable[T]],
        *,
        what: str,
        attempts: int = 3,
    ) -> T:
        """Run `fn` on a pooled session, retrying on a lost session with a short backoff."""
        delay = 0.1
        for attempt in range(1, attempts + 1):
            try:
                async with self.connection() as conn:
                    return await fn(conn)
            except RETRYABLE as exc:
                if attempt == attempts:
                    raise
                log.warning("%s: database unavailable (%s); retrying in %.1fs", what, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 4, 5.0)
        raise AssertionError("unreachable")
