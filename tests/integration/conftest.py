"""Fixtures of the integration lane: a Civic OS database, an SMTP server, the notification
handlers delivering to it."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.support.notifications import Worker, add_template, apply_schema, settings
from tests.support.smtp_server import Server, smtp_server


@pytest.fixture
def civic(db: psycopg.Connection) -> psycopg.Connection:
    """The fresh database with the Civic OS notification schema and a `greeting` template."""
    apply_schema(db)
    add_template(db)
    return db


@pytest.fixture
def mail() -> Iterator[Server]:
    """A plain SMTP server recording what it accepts."""
    with smtp_server() as server:
        yield server


@pytest.fixture
def worker(db_url: str, mail: Server) -> Iterator[Worker]:
    """The handlers with default test settings, delivering to `mail`."""
    w = Worker(db_url, settings(mail.port))
    yield w
    w.close()
