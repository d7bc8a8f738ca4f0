"""The opt-in insert trigger (`migrate --notify-trigger`): wakes the supervisor at once for
jobs inserted by plain SQL, which otherwise wait up to `fetch_poll_interval` for the poll.

It is not part of River's schema (River dropped its per-row `river_job_notify` trigger in
migration 004 because a NOTIFY per row is costly), hence opt-in, statement-level, and named
`civic_*` so it never collides with River's objects. `remove` undoes it completely.
"""

from __future__ import annotations

from importlib import resources

import psycopg

from supervisor.river import sql
from supervisor.river.sql import check_schema_name, render

TRIGGER = "civic_river_insert_notify"


def install_sql(schema: str) -> str:
    text = resources.files("supervisor.river").joinpath("notify_trigger.sql").read_text()
    return render(text, schema)


def install(conn: psycopg.Connection, schema: str) -> None:
    """Create (or replace) the function and trigger in one transaction."""
    with conn.transaction():
        conn.execute(install_sql(schema))


def remove(conn: psycopg.Connection, schema: str) -> None:
    with conn.transaction():
        conn.execute(render(sql.DROP_NOTIFY_TRIGGER, schema))
        conn.execute(render(sql.DROP_NOTIFY_FUNCTION, schema))


def installed(conn: psycopg.Connection, schema: str) -> bool:
    params = {"schema": check_schema_name(schema)}
    return conn.execute(sql.NOTIFY_TRIGGER_INSTALLED, params).fetchone() is not None
