"""Where the bench runs: a throwaway embedded PostgreSQL, or a real server from `-c FILE`.

On a real server the bench never touches the configured River schema: it migrates a schema
of its own (`civic_bench_<random>`) and drops it at the end, so production jobs are safe.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from supervisor.migrate import migrate
from supervisor.river.sql import quoted

BENCH_QUEUE = "civic_bench"
DATABASE = "civic_bench"


@dataclass(frozen=True)
class Target:
    url: str
    schema: str
    max_conns: int
    application_name: str
    embedded: bool
    """True: fsync=off, synchronous_commit=off (a throwaway server; state it with results)."""

    @property
    def prefix(self) -> str:
        return quoted(self.schema) + "."

    def connect(self, name: str) -> psycopg.Connection:
        """A session of the bench itself; its name (civic-bench-*) is never counted as the supervisor's."""
        return psycopg.connect(self.url, autocommit=True, application_name=name)

    def supervisor_config(self) -> dict[str, Any]:
        return {
            "database": {
                "url": self.url,
                "schema": self.schema,
                "max_conns": self.max_conns,
                "application_name": self.application_name,
            }
        }

    def reset(self) -> None:
        """An empty job table, vacuumed and analysed: every run starts from the same state."""
        with self.connect("civic-bench-setup") as conn:
            conn.execute(f"TRUNCATE {self.prefix}river_job")
            conn.execute(f"VACUUM ANALYZE {self.prefix}river_job")


@contextmanager
def embedded(max_conns: int) -> Iterator[Target]:
    from supervisor.embedded_pg import EmbeddedPostgres

    server = EmbeddedPostgres(max_connections=100).start()
    try:
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        url = server.url(DATABASE)
        with psycopg.connect(url, autocommit=True) as conn:
            migrate(conn, "metadata")
        yield Target(url, "metadata", max_conns, "civic-supervisor", embedded=True)
    finally:
        server.stop(remove=True)


@contextmanager
def configured(path: str) -> Iterator[Target]:
    """The database of a config file, in a private schema dropped afterwards."""
    from supervisor.config import load

    cfg = load(path)
    schema = f"civic_bench_{secrets.token_hex(4)}"
    url = cfg.database.url
    with psycopg.connect(url, autocommit=True, application_name="civic-bench-setup") as conn:
        migrate(conn, schema)
    try:
        yield Target(url, schema, cfg.database.max_conns, cfg.database.application_name, False)
    finally:
        with psycopg.connect(url, autocommit=True, application_name="civic-bench-setup") as c:
            c.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
