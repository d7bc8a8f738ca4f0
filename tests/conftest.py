"""Shared fixtures: one real PostgreSQL per test session, a fresh database per test.

The server is an embedded PostgreSQL the suite starts itself, or the one named by
CIVIC_TEST_DATABASE_URL (its user must be allowed to CREATE DATABASE). Each test gets its own
database cloned from a template that already holds River's schema (version 7, schema
`metadata`), so tests never see each other's jobs.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from supervisor.migrate import migrate

TEMPLATE = "civic_template"
_counter = itertools.count()


@dataclass
class PgServer:
    """A running server: `url(db)` names a database on it; `embedded` can restart it."""

    base_url: str
    embedded: object | None = None

    def url(self, dbname: str) -> str:
        return make_conninfo(self.base_url, dbname=dbname)

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.base_url, autocommit=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    external = os.environ.get("CIVIC_TEST_DATABASE_URL")
    if external:
        server = PgServer(external)
    else:
        from supervisor.embedded_pg import EmbeddedPostgres

        embedded = EmbeddedPostgres(max_connections=300).start()
        server = PgServer(embedded.url(), embedded)
    with server.admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
        conn.execute(f"CREATE DATABASE {TEMPLATE}")
    with psycopg.connect(server.url(TEMPLATE), autocommit=True) as conn:
        migrate(conn, "metadata")
    yield server
    if server.embedded is not None:
        server.embedded.stop(remove=True)


def create_database(server: PgServer, template: str = TEMPLATE) -> str:
    """A new database cloned from `template`; returns its URL."""
    name = f"t_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"
    with server.admin() as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return server.url(name)


@pytest.fixture
def db_url(pg_server: PgServer) -> Iterator[str]:
    """URL of a fresh database with River v7 in schema `metadata`."""
    url = create_database(pg_server)
    yield url
    name = conninfo_to_dict(url)["dbname"]
    with pg_server.admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def db(db_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the fresh database."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn
