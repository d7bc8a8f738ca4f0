"""`migrate`: River's schema at version 7, checked against catalog facts."""

from __future__ import annotations

import subprocess
import sys

import psycopg

from supervisor.migrate import current_version, migrate, schema_status
from tests.support.database import CIVIC_V6, create_database

V6 = CIVIC_V6.read_text()

RIVER_JOB_COLUMNS = [
    ("id", "bigint", "NO", "nextval('metadata.river_job_id_seq'::regclass)"),
    ("state", "metadata.river_job_state", "NO", "'available'::metadata.river_job_state"),
    ("attempt", "smallint", "NO", "0"),
    ("max_attempts", "smallint", "NO", "25"),
    ("attempted_at", "timestamp with time zone", "YES", None),
    ("created_at", "timestamp with time zone", "NO", "now()"),
    ("finalized_at", "timestamp with time zone", "YES", None),
    ("scheduled_at", "timestamp with time zone", "NO", "now()"),
    ("priority", "smallint", "NO", "1"),
    ("args", "jsonb", "NO", None),
    ("attempted_by", "text[]", "YES", None),
    ("errors", "jsonb[]", "YES", None),
    ("kind", "text", "NO", None),
    ("metadata", "jsonb", "NO", "'{}'::jsonb"),
    ("queue", "text", "NO", "'default'::text"),
    ("tags", "character varying(255)[]", "NO", "'{}'::character varying[]"),
    ("unique_key", "bytea", "YES", None),
    ("unique_states", "bit(8)", "YES", None),
]

RIVER_JOB_INDEXES = {
    "river_job_pkey": "CREATE UNIQUE INDEX river_job_pkey ON metadata.river_job USING btree (id)",
    "river_job_kind": "CREATE INDEX river_job_kind ON metadata.river_job USING btree (kind)",
    "river_job_state_and_finalized_at_index": "CREATE INDEX river_job_state_and_finalized_at_index"
    " ON metadata.river_job USING btree (state, finalized_at) WHERE (finalized_at IS NOT NULL)",
    "river_job_prioritized_fetching_index": "CREATE INDEX river_job_prioritized_fetching_index"
    " ON metadata.river_job USING btree (state, queue, priority, scheduled_at, id)",
    "river_job_args_index": "CREATE INDEX river_job_args_index ON metadata.river_job USING gin (args)",
    "river_job_metadata_index": "CREATE INDEX river_job_metadata_index ON metadata.river_job"
    " USING gin (metadata)",
    "river_job_unique_idx": "CREATE UNIQUE INDEX river_job_unique_idx ON metadata.river_job"
    " USING btree (unique_key) WHERE ((unique_key IS NOT NULL) AND (unique_states IS NOT NULL)"
    " AND metadata.river_job_state_in_bitmask(unique_states, state))",
}

RIVER_JOB_CONSTRAINTS = {
    "river_job_pkey", "finalized_or_finalized_at_null", "max_attempts_is_positive",
    "priority_in_range", "queue_length", "kind_length",
}  # fmt: skip


def columns(conn, table):
    return conn.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod),"
        " CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END, pg_get_expr(d.adbin, d.adrelid)"
        " FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
        " WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (f"metadata.{table}",),
    ).fetchall()


def indexes(conn, table):
    return dict(conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'metadata' AND tablename = %s",
        (table,)).fetchall())  # fmt: skip


def constraints(conn, table):
    return dict(conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass"
        " AND contype <> 'n'",  # PostgreSQL 18 lists NOT NULL here too: columns() has it
        (f"metadata.{table}",)).fetchall())  # fmt: skip


def tables(conn):
    return dict(conn.execute(
        "SELECT relname, relpersistence FROM pg_class WHERE relnamespace = 'metadata'::regnamespace"
        " AND relkind = 'r'").fetchall())  # fmt: skip


def facts(conn):
    """Everything River's own code touches, for comparing two schemas."""
    enum = conn.execute("SELECT enum_range(NULL::metadata.river_job_state)::text").fetchone()[0]
    funcs = conn.execute(
        "SELECT proname, pg_get_function_identity_arguments(oid), provolatile FROM pg_proc"
        " WHERE pronamespace = 'metadata'::regnamespace ORDER BY 1").fetchall()  # fmt: skip
    triggers = conn.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").fetchall()
    return {
        "enum": enum, "funcs": funcs, "triggers": triggers,
        "tables": {t: p for t, p in tables(conn).items() if t != "river_migration"},
        **{f"{t}.columns": columns(conn, t) for t in ("river_job", "river_leader", "river_queue",
                                                      "river_notification")},
        **{f"{t}.indexes": indexes(conn, t) for t in ("river_job", "river_leader", "river_queue",
                                                      "river_notification")},
        **{f"{t}.constraints": constraints(conn, t) for t in ("river_job", "river_leader",
                                                             "river_queue", "river_notification")},
    }  # fmt: skip


def test_fresh_schema_matches_river_v7(db):
    assert columns(db, "river_job") == RIVER_JOB_COLUMNS
    assert indexes(db, "river_job") == RIVER_JOB_INDEXES
    assert set(constraints(db, "river_job")) == RIVER_JOB_CONSTRAINTS
    assert "finalized_at IS NULL" in constraints(db, "river_job")["finalized_or_finalized_at_null"]
    assert db.execute("SELECT enum_range(NULL::metadata.river_job_state)::text").fetchone()[0] == (
        "{available,cancelled,completed,discarded,pending,retryable,running,scheduled}"
    )
    assert tables(db) == {"river_job": "p", "river_leader": "u", "river_queue": "p",
                          "river_migration": "p", "river_notification": "p"}  # fmt: skip
    assert columns(db, "river_queue")[-1] == (
        "updated_at",
        "timestamp with time zone",
        "NO",
        "CURRENT_TIMESTAMP",
    )
    assert columns(db, "river_leader")[-1] == ("name", "text", "NO", "'default'::text")
    assert constraints(db, "river_leader")["name_length"] == "CHECK ((name = 'default'::text))"
    assert set(indexes(db, "river_notification")) == {
        "river_notification_pkey",
        "river_notification_created_at_idx",
        "river_notification_topic_id_idx",
    }
    assert set(constraints(db, "river_migration")) >= {
        "river_migration_pkey1",
        "line_length",
        "version_gte_1",
    }
    assert db.execute(
        "SELECT line, version FROM metadata.river_migration ORDER BY 2"
    ).fetchall() == [("main", v) for v in range(1, 8)]
    assert db.execute("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal").fetchone()[0] == 0
    bits = db.execute(
        "SELECT array_agg(s::text ORDER BY s) FROM unnest(enum_range(NULL::metadata.river_job_state)) s"
        " WHERE metadata.river_job_state_in_bitmask(245::bit(8), s)").fetchone()[0]  # fmt: skip
    assert bits == ["available", "completed", "pending", "retryable", "running", "scheduled"]


def test_migrate_is_idempotent(db):
    assert migrate(db, "metadata").applied == []
    assert current_version(db, "metadata") == 7


def test_civic_v6_upgrades_with_step_7_only(pg_server, db):
    v6_url = create_database(pg_server, "template0")
    with psycopg.connect(v6_url, autocommit=True) as conn:
        conn.execute(V6)
        conn.execute(
            "INSERT INTO metadata.river_job (kind, args, max_attempts) VALUES ('k', '{}', 5)"
        )
        result = migrate(conn, "metadata")
        assert (result.before, result.applied) == (6, [7])
        expected, got = facts(db), facts(conn)
        for key in expected:
            assert got[key] == expected[key], key
        assert conn.execute("SELECT count(*) FROM metadata.river_job").fetchone()[0] == 1
        assert current_version(conn, "metadata") == 7
        assert migrate(conn, "metadata").applied == []


def test_newer_schema_is_left_alone(db):
    """Never a downgrade: tests/test_schema_policy.py has the whole policy."""
    db.execute("INSERT INTO metadata.river_migration (line, version) VALUES ('main', 8)")
    result = migrate(db, "metadata")
    assert (result.before, result.after, result.applied) == (8, 8, [])
    assert current_version(db, "metadata") == 8


def test_other_schema_name_is_quoted_everywhere(pg_server):
    url = create_database(pg_server, "template0")
    with psycopg.connect(url, autocommit=True) as conn:
        migrate(conn, "River_Jobs")
        assert current_version(conn, "River_Jobs") == 7
        assert schema_status(conn, "River_Jobs").refusal is None
        assert schema_status(conn, "river_jobs").version == 0  # another schema
        assert conn.execute('SELECT count(*) FROM "River_Jobs".river_job').fetchone()[0] == 0


def test_migrate_command(db_url, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"database:\n  url: {db_url}\n")
    out = subprocess.run([sys.executable, "-m", "supervisor.cli", "migrate", "-c", str(cfg)],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "already at version 7" in out
