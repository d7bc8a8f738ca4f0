"""Create or upgrade River's schema to version 7, as River's own migrations would.

Every step runs in its own transaction together with its `river_migration` row (River does
the same; step 004 adds an enum value that step 006 may only use after a commit). A schema at
version 6 (what Civic OS ships) therefore gets exactly one transaction: step 7.

A schema newer than 7 (River's migration 008 or later, run by a Go deployment) is never
downgraded: it is usable when every object listed in `USED_*` below is still there, since
River's migrations have so far only added to what older clients use (spec/RIVER_REVIEW.md
§2.7). The same module finds and, on request only, drops Civic OS's leftover unique index.
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
    """A schema this program must not touch (of unknown shape, or an index not ours to drop)."""


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
    query = _version_sql(schema, cols)
    if query is None:
        job = conn.execute("SELECT to_regclass(%s)", (qualified(schema) + "river_job",))
        if job.fetchone()[0] is not None:
            raise MigrationError(
                f'"{schema}".river_job exists without river_migration: unknown River version, '
                "refusing to migrate"
            )
        return 0
    row = conn.execute(query).fetchone()
    return int(row[0])


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
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        before = current_version(conn, schema)
    if before > LATEST:
        return MigrateResult(before, before, [])  # never downgrade; schema_status() judges it
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


# What civic-supervisor's own statements use (proxy/river_sql.py, proxy/maintenance_sql.py,
# supervisor/deadclients.py, orphans.py, queues.py; tests/test_schema_policy.py checks that
# this covers them). The one source of truth for starting on a schema newer than LATEST.
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
USED_ENUMS: dict[str, frozenset[str]] = {
    "river_job_state": frozenset({
        "available", "cancelled", "completed", "discarded", "retryable", "running", "scheduled",
    }),
}  # fmt: skip
USED_FUNCTIONS: dict[str, str] = {
    "river_job_state_in_bitmask": "(bit, river_job_state) returns bool",
}
USED_UNIQUE: dict[str, tuple[str, ...]] = {
    "river_leader": ("name",),  # ON CONFLICT (name): election
    "river_queue": ("name",),  # ON CONFLICT (name): queue upsert
}

_FACTS = """
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = %(schema)s),
rel AS (
    SELECT c.oid, c.relname FROM pg_class c JOIN ns ON c.relnamespace = ns.oid
    WHERE c.relkind IN ('r', 'p') AND left(c.relname, 6) = 'river_'
)
SELECT 'table ' || relname FROM rel
UNION ALL
SELECT 'column ' || rel.relname || '.' || a.attname
FROM pg_attribute a JOIN rel ON a.attrelid = rel.oid WHERE a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'type ' || t.typname FROM pg_type t JOIN ns ON t.typnamespace = ns.oid WHERE t.typtype = 'e'
UNION ALL
SELECT 'value ' || t.typname || '.' || e.enumlabel
FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN ns ON t.typnamespace = ns.oid
UNION ALL
SELECT 'function ' || p.proname || '(' || coalesce((
        SELECT string_agg(t.typname, ', ' ORDER BY x.n)
        FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS x(oid, n)
        JOIN pg_type t ON t.oid = x.oid), '') || ') returns ' || rt.typname
FROM pg_proc p JOIN ns ON p.pronamespace = ns.oid JOIN pg_type rt ON rt.oid = p.prorettype
UNION ALL
SELECT 'unique ' || rel.relname || ' (' || (
        SELECT string_agg(a.attname, ', ' ORDER BY k.n)
        FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) || ')'
FROM pg_index i JOIN rel ON i.indrelid = rel.oid
WHERE i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
"""
"""Every River object of a schema as one text per fact, compared with `required_facts()`.
Column types are not compared: a widened type (River has only ever widened) still works."""


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
    out += [f"unique {table} ({', '.join(cols)})" for table, cols in USED_UNIQUE.items()]
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
    where = " WHERE line = 'main'" if "line" in columns else ""
    return f"SELECT coalesce(max(version), 0) FROM {qualified(schema)}river_migration{where}"


def _migration_columns(facts: set[str]) -> set[str]:
    prefix = "column river_migration."
    return {f[len(prefix) :] for f in facts if f.startswith(prefix)}


def schema_status(conn: psycopg.Connection, schema: str) -> SchemaStatus:
    """`check`'s and `migrate`'s view of a schema (blocking session)."""
    facts = {r[0] for r in conn.execute(_FACTS, {"schema": check_schema_name(schema)})}
    query = _version_sql(schema, _migration_columns(facts))
    version = int(conn.execute(query).fetchone()[0]) if query else 0
    return SchemaStatus(schema, version, tuple(missing_objects(facts)))


async def schema_status_async(conn: psycopg.AsyncConnection, schema: str) -> SchemaStatus:
    """The supervisor's start-up view of a schema: the same two queries on a pooled session."""
    cur = await conn.execute(_FACTS, {"schema": check_schema_name(schema)})
    facts = {r[0] for r in await cur.fetchall()}
    query = _version_sql(schema, _migration_columns(facts))
    version = int((await (await conn.execute(query)).fetchone())[0]) if query else 0
    return SchemaStatus(schema, version, tuple(missing_objects(facts)))


STRAY_INDEX = "river_job_kind_unique_key_idx"
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

_STRAY = """
SELECT pg_get_indexdef(i.indexrelid),
       t.relname = 'river_job' AND i.indisunique AND am.amname = 'btree' AND i.indexprs IS NULL
       AND ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                 ORDER BY k.n) = ARRAY['kind', 'unique_key']
       AND pg_get_expr(i.indpred, i.indrelid) = '(unique_key IS NOT NULL)'
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_index i ON i.indexrelid = c.oid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_am am ON am.oid = c.relam
WHERE n.nspname = %(schema)s AND c.relname = %(name)s
"""


@dataclass(frozen=True)
class StrayIndex:
    definition: str
    matches: bool
    """Exactly Civic OS's leftover; an index of that name defined otherwise is never dropped."""


def stray_index(conn: psycopg.Connection, schema: str) -> StrayIndex | None:
    """Civic OS's leftover `river_job_kind_unique_key_idx` in `schema`, if an index has its name."""
    row = conn.execute(
        _STRAY, {"schema": check_schema_name(schema), "name": STRAY_INDEX}
    ).fetchone()
    return StrayIndex(row[0], bool(row[1])) if row else None


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
    conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {qualified(schema)}{STRAY_INDEX}")
    return True
