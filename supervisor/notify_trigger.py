"""The opt-in insert trigger (`migrate --notify-trigger`): wakes the supervisor at once for
jobs inserted by plain SQL, which otherwise wait up to `fetch_poll_interval` for the poll.

It is not part of River's schema (River dropped its per-row `river_job_notify` trigger in
migration 004 because a NOTIFY per row is costly), hence opt-in, statement-level, and named
`civic_*` so it never collides with River's objects. `remove` undoes it completely.
"""

from __future__ import annotations

from importlib import resources

import psycopg

from supervisor.migrate import check_schema_name, qualified

TRIGGER = "civic_river_insert_notify"


def install_sql(schema: str) -> str:
    text = resources.files("proxy").joinpath("notify_trigger.sql").read_text()
    channel = f"{check_schema_name(schema)}.river_insert"  # [a-zA-Z0-9_.]: safe in a literal
    return text.replace("__SCHEMA__", qualified(schema)).replace("__CHANNEL__", channel)


def install(conn: psycopg.Connection, schema: str) -> None:
    """Create (or replace) the function and trigger in one transaction."""
    with conn.transaction():
        conn.execute(install_sql(schema))


def remove(conn: psycopg.Connection, schema: str) -> None:
    prefix = qualified(schema)
    with conn.transaction():
        conn.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {prefix}river_job")
        conn.execute(f"DROP FUNCTION IF EXISTS {prefix}{TRIGGER}()")


def installed(conn: psycopg.Connection, schema: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = 'river_job' AND t.tgname = %s",
        (schema, TRIGGER),
    ).fetchone()
    return row is not None
