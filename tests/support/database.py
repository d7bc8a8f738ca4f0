"""The test PostgreSQL server and fresh databases cloned from a migrated template."""

from __future__ import annotations

import itertools
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.conninfo import make_conninfo

if TYPE_CHECKING:
    from supervisor.embedded_pg import EmbeddedPostgres

TEMPLATE = "civic_template"
# River's schema as Civic OS ships it (version 6), before `migrate` takes it to 7.
CIVIC_V6 = Path(__file__).resolve().parents[1] / "fixtures" / "civic_river_v6.sql"
_counter = itertools.count()


@dataclass
class PgServer:
    """A running server: `url(db)` names a database on it; `embedded` can restart it."""

    base_url: str
    embedded: EmbeddedPostgres | None = None

    def url(self, dbname: str) -> str:
        return make_conninfo(self.base_url, dbname=dbname)

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.base_url, autocommit=True)


def create_database(server: PgServer, template: str = TEMPLATE) -> str:
    """A new database cloned from `template`; returns its URL."""
    name = f"t_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"
    with server.admin() as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return server.url(name)


def one(conn: psycopg.Connection, query: Any, params: Any = None) -> tuple[Any, ...]:
    """The query's one row; AssertionError when it returns none."""
    row = conn.execute(query, params).fetchone()
    assert row is not None, f"no row from {query!r}"
    return row


def scalar(conn: psycopg.Connection, query: Any, params: Any = None) -> Any:
    """The first column of the query's one row."""
    return one(conn, query, params)[0]
