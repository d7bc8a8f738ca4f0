"""Fixtures shared by every lane: one real PostgreSQL per test session, a fresh database per
test, and an S3 stand-in.

The server is an embedded PostgreSQL the suite starts itself, or the one named by
CIVIC_TEST_DATABASE_URL (its user must be allowed to CREATE DATABASE). Each test gets its own
database cloned from a template that already holds River's schema (version 7, schema
`metadata`), so tests never see each other's jobs.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from supervisor.migrate import migrate
from tests.support.database import TEMPLATE, PgServer, create_database
from tests.support.s3_server import CHAIN_ENV, moto_s3


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


@pytest.fixture(scope="module")
def s3() -> Iterator[tuple[str, Any]]:
    """(endpoint_url, client) of a server shared by one test module."""
    with moto_s3() as server:
        yield server


@pytest.fixture
def bucket(s3: tuple[str, Any]) -> str:
    """A new, empty bucket for one test."""
    name = f"t-{uuid.uuid4().hex[:12]}"
    s3[1].create_bucket(Bucket=name)
    return name


@pytest.fixture
def no_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> pytest.MonkeyPatch:
    """An environment where boto3's default chain finds nothing unless a test adds it."""
    for name in CHAIN_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch
