"""Create or upgrade River's schema to version 7, as River's own migrations would.

Every step runs in its own transaction together with its `river_migration` row (River does
the same; step 004 adds an enum value that step 006 may only use after a commit). A schema at
version 6 (what Civic OS ships) therefore gets exactly one transaction: step 7.

A schema newer than 7 (River's migration 008 or later, run by a Go deployment) is never
downgraded: it is usable when every object listed in `USED_*` below is still there, since
River's migrations have so far only added to what older clients use.
The same module finds and, on request only, drops Civic OS's leftover unique index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg

from supervisor.river import sql
from supervisor.river.sql import STRAY_INDEX, check_schema_name, render
from supervisor.river.states import JobState

LATEST = 7
_LOCK_KEY = 0x52495645  # "RIVE": serialises concurrent migrators on one database


class MigrationError(Exception):
    """A schema this program must not touch (of unknown shape, or an index not ours to drop)."""


def step_sql(version: int, schema: str) -> str:
    files = resources.files("supervisor.river.migrations")
    (path,) = [p for p in files.iterdir() if p.name.startswith(f"{version:03d}_")]
    return render(path.read_text(), schema)


def _one(row: tuple[Any, ...] | None) -> Any:
    """The value of a query that always returns one row."""
    if row is None:
        raise MigrationError("a query that always returns one row returned none")
    return row[0]


def current_version(conn: psycopg.Connection, schema: str) -> int:
    """Highest applied version of line `main`; 0 for a schema River never touched."""
    cols = {str(r[0]) for r in conn.execute(sql.MIGRATION_COLUMNS, {"schema": schema})}
    query = _version_sql(schema, cols)
    if query is None:
        if _one(conn.execute(render(sql.JOB_TABLE, schema)).fetchone()) is not None:
            raise MigrationError(
                f'"{schema}".river_job exists without river_migration: unknown River version, '
                "refusing to migrate"
            )
        return 0
    return int(_one(conn.execute(query).fetchone()))


@dataclass
class MigrateResult:
    before: int
    after: int
    applied: list[int]

    @property
    def newer(self) -> bool:
        """Left as found: a newer River migrated it, and migrating never goes down."""
        return self.before > LATEST


def migrate(conn: psycopg.Connection, schema: str, target: int = LATEST) -> MigrateResult:
    """Bring `schema` to `target`; idempotent. `conn` must be in autocommit mode."""
    check_schema_name(schema)
    conn.autocommit = True
    applied: list[int] = []
    with conn.transaction():
        conn.execute(sql.MIGRATE_LOCK, {"key": _LOCK_KEY})
        before = current_version(conn, schema)
    if before > LATEST:
        return MigrateResult(before, before, [])  # never downgrade; schema_status() judges it
    conn.execute(render(sql.CREATE_SCHEMA, schema))
    for version in range(before + 1, target + 1):
        with conn.transaction():
            conn.execute(sql.MIGRATE_LOCK, {"key": _LOCK_KEY})
            if current_version(conn, schema) >= version:
                continue  # another migrator got here first
            conn.execute(step_sql(version, schema))
            row = sql.MIGRATED if version >= 5 else sql.MIGRATED_UNLINED  # 005 added `line`
            conn.execute(render(row, schema), {"version": version})
        applied.append(version)
    return MigrateResult(before, max(before, target if applied else before), applied)


# What civic-supervisor's own statements (supervisor/river/sql.py) use; a test checks that
# this covers them. The one source of truth for starting on a schema newer than LATEST.
USED_COLUMNS: dict[str, frozenset[str]] = {
    "river_job": frozenset({
        "id", "state", "attempt", "max_attempts", "attempted_at", "attempted_by", "created_at",
        "scheduled_at", "finalized_at", "priority", "args", "errors", "kind", "metadata",
        "queue", "unique_key", "unique_states",
    }),
    "river_leader": frozenset({"name", "leader_id", "elected_at", "expires_at"}),
    "river_queue": frozenset({"name", "created_at", "metadata", "paused_at", "updated_at"}),
    "river_migration": frozenset({"line", "version"}),
}  # fmt: skip
USED_ENUMS: dict[str, frozenset[str]] = {"river_job_state": frozenset(JobState)}
USED_FUNCTIONS: dict[str, str] = {
    "river_job_state_in_bitmask": "(bit, river_job_state) returns bool",
}
USED_UNIQUE: dict[str, str] = {
    "river_leader": "(name)",  # ON CONFLICT (name): election
    "river_queue": "(name)",  # ON CONFLICT (name): queue upsert
    "river_job": "(unique_key) partial",  # ON CONFLICT (unique_key) WHERE ...: periodic jobs
}
"""Unique indexes ON CONFLICT needs; `partial` when it names River's predicate (a partial
index's predicate is not compared, as column types are not)."""


def required_facts() -> list[str]:
    """The facts a usable schema must have, in the order they are reported missing."""
    out: list[str] = []
    for table, cols in USED_COLUMNS.items():
        out.append(f"table {table}")
        out += [f"column {table}.{c}" for c in sorted(cols)]
    for enum, labels in USED_ENUMS.items():
        out.append(f"type {enum}")
        out += [f"value {enum}.{v}" for v in sorted(labels)]
    out += [f"function {name}{sig}" for name, sig in USED_FUNCTIONS.items()]
    out += [f"unique {table} {shape}" for table, shape in USED_UNIQUE.items()]
    return out


def missing_objects(facts: set[str]) -> list[str]:
    """Required facts absent from `facts`; a missing table or type hides its own parts."""
    absent = [f for f in required_facts() if f not in facts]
    whole = ("table ", "type ")
    gone = {f.split(" ", 1)[1] for f in absent if f.startswith(whole)}
    return [
        f.replace("value ", "enum value ", 1).replace("unique ", "unique key ", 1)
        for f in absent
        if f.startswith(whole) or re.split(r"[.( ]", f.split(" ", 1)[1], maxsplit=1)[0] not in gone
    ]


@dataclass(frozen=True)
class SchemaStatus:
    """What a start on `schema` would find: its `main` version and the used objects missing."""

    schema: str
    version: int
    missing: tuple[str, ...]

    @property
    def refusal(self) -> str | None:
        """Why the supervisor must not start here (None: it may); names what is missing."""
        where = f'River schema in "{self.schema}" is at version {self.version}'
        if self.version < LATEST:
            return (
                f"{where}, this needs {LATEST}: run `civic-supervisor migrate` with this "
                "configuration first"
            )
        if not self.missing:
            return None
        lacks = f"{where} and lacks what civic-supervisor uses: {', '.join(self.missing)}"
        if self.version > LATEST:
            return f"{lacks}; that version is newer than the {LATEST} this civic-supervisor knows: upgrade civic-supervisor"
        return f"{lacks}; the schema was changed by hand: restore those objects"

    @property
    def warning(self) -> str | None:
        """For a usable schema newer than LATEST: started on, but worth an operator's look."""
        if self.version <= LATEST or self.missing:
            return None
        return (
            f'River schema in "{self.schema}" is at version {self.version}, newer than the '
            f"{LATEST} this civic-supervisor knows; every table, column, type and function it "
            "uses is there, so it runs on it (upgrade civic-supervisor to follow River)"
        )


def _version_sql(schema: str, columns: set[str]) -> str | None:
    """The `main` version query for river_migration with these `columns` (before River's
    migration 005 it had no `line`); None: no such table."""
    if "version" not in columns:
        return None
    return render(sql.VERSION if "line" in columns else sql.VERSION_UNLINED, schema)


def _migration_columns(facts: set[str]) -> set[str]:
    prefix = "column river_migration."
    return {f[len(prefix) :] for f in facts if f.startswith(prefix)}


def schema_status(conn: psycopg.Connection, schema: str) -> SchemaStatus:
    """`check`'s and `migrate`'s view of a schema (blocking session)."""
    facts = {str(r[0]) for r in conn.execute(sql.FACTS, {"schema": check_schema_name(schema)})}
    query = _version_sql(schema, _migration_columns(facts))
    version = int(_one(conn.execute(query).fetchone())) if query else 0
    return SchemaStatus(schema, version, tuple(missing_objects(facts)))


async def schema_status_async(conn: psycopg.AsyncConnection, schema: str) -> SchemaStatus:
    """The supervisor's start-up view of a schema: the same two queries on a pooled session."""
    cur = await conn.execute(sql.FACTS, {"schema": check_schema_name(schema)})
    facts = {str(r[0]) for r in await cur.fetchall()}
    query = _version_sql(schema, _migration_columns(facts))
    version = int(_one(await (await conn.execute(query)).fetchone())) if query else 0
    return SchemaStatus(schema, version, tuple(missing_objects(facts)))


STRAY_SHAPE = "UNIQUE (kind, unique_key) WHERE unique_key IS NOT NULL"
STRAY_EFFECT = (
    f"{STRAY_INDEX} ({STRAY_SHAPE}) is left over from Civic OS's v0-10-0 migration, whose "
    "unqualified DROP INDEX missed it (River's own 006 drops it). With it, a River-style unique "
    "insert fails with 23505 while an older row of the same kind and key exists, even one "
    "River's uniqueness ignores (completed: for 24 h, until the cleaner deletes it). The Go "
    "worker's cron scheduler (queue scheduled_jobs) relies on it (ON CONFLICT (kind, "
    "unique_key)): keep it while that runs, else remove it with `civic-supervisor migrate "
    "--drop-stray-unique-index` (this warning does not fail `check`)"
)


@dataclass(frozen=True)
class StrayIndex:
    definition: str
    matches: bool
    """Exactly Civic OS's leftover; an index of that name defined otherwise is never dropped."""


def stray_index(conn: psycopg.Connection, schema: str) -> StrayIndex | None:
    """Civic OS's leftover `river_job_kind_unique_key_idx` in `schema`, if an index has its name."""
    row = conn.execute(
        sql.STRAY, {"schema": check_schema_name(schema), "name": STRAY_INDEX}
    ).fetchone()
    return StrayIndex(str(row[0]), bool(row[1])) if row else None


def drop_stray_index(conn: psycopg.Connection, schema: str) -> bool:
    """Drop the leftover index (True), or find none (False); raises if the name is another index's.

    CONCURRENTLY, so job inserts and claims go on meanwhile; it cannot run in a transaction,
    hence `conn` in autocommit mode."""
    found = stray_index(conn, schema)
    if found is None:
        return False
    if not found.matches:
        raise MigrationError(
            f'"{schema}".{STRAY_INDEX} is not Civic OS\'s leftover ({STRAY_SHAPE}) but '
            f"{found.definition}: not dropped"
        )
    conn.autocommit = True
    conn.execute(render(sql.DROP_STRAY, schema))
    return True
