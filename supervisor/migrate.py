"""Create or upgrade River's schema to version 7, as River's own migrations would.

Every step runs in its own transaction together with its `river_migration` row (River does
the same; step 004 adds an enum value that step 006 may only use after a commit). A schema at
version 6 (what Civic OS ships) therefore gets exactly one transaction: step 7.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import psycopg
from psycopg import sql

LATEST = 7
LINE = "main"
_SCHEMA_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_LOCK_KEY = 0x52495645  # "RIVE": serialises concurrent migrators on one database


class MigrationError(Exception):
    """A schema this program must not touch (newer, or of unknown shape)."""


def check_schema_name(schema: str) -> str:
    """River's own rule: channel names `<schema>.river_leadership` must fit in 63 bytes."""
    if not _SCHEMA_RE.match(schema) or len(schema) > 46:
        raise ValueError(
            f"schema {schema!r} must match [a-zA-Z_][a-zA-Z0-9_]* and be at most 46 characters"
        )
    return schema


def qualified(schema: str) -> str:
    """`"schema".` as it prefixes every River object name."""
    return sql.Identifier(check_schema_name(schema)).as_string() + "."


def step_sql(version: int, schema: str) -> str:
    files = resources.files("proxy.migrations")
    (path,) = [p for p in files.iterdir() if p.name.startswith(f"{version:03d}_")]
    return path.read_text().replace("__SCHEMA__", qualified(schema))


def current_version(conn: psycopg.Connection, schema: str) -> int:
    """Highest applied version of line `main`; 0 for a schema River never touched."""
    cols = {
        r[0]
        for r in conn.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = 'river_migration'",
            (schema,),
        )
    }
    table = qualified(schema) + "river_migration"
    if not cols:
        job = conn.execute("SELECT to_regclass(%s)", (qualified(schema) + "river_job",))
        if job.fetchone()[0] is not None:
            raise MigrationError(
                f'"{schema}".river_job exists without river_migration: unknown River version, '
                "refusing to migrate"
            )
        return 0
    where = " WHERE line = 'main'" if "line" in cols else ""
    row = conn.execute(f"SELECT coalesce(max(version), 0) FROM {table}{where}").fetchone()
    return int(row[0])


@dataclass
class MigrateResult:
    before: int
    after: int
    applied: list[int]


def migrate(conn: psycopg.Connection, schema: str, target: int = LATEST) -> MigrateResult:
    """Bring `schema` to `target`; idempotent. `conn` must be in autocommit mode."""
    check_schema_name(schema)
    conn.autocommit = True
    applied: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        before = current_version(conn, schema)
    if before > LATEST:
        raise MigrationError(
            f'"{schema}" is at River schema version {before}, newer than the {LATEST} this '
            "civic-supervisor understands; upgrade civic-supervisor instead"
        )
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    for version in range(before + 1, target + 1):
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            if current_version(conn, schema) >= version:
                continue  # another migrator got here first
            conn.execute(step_sql(version, schema))
            table = qualified(schema) + "river_migration"
            if version >= 5:
                conn.execute(
                    f"INSERT INTO {table} (line, version) VALUES (%s, %s)", (LINE, version)
                )
            else:
                conn.execute(f"INSERT INTO {table} (version) VALUES (%s)", (version,))
        applied.append(version)
    return MigrateResult(before, max(before, target if applied else before), applied)
