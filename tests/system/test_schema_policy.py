"""Schema versions: start on a newer River schema when everything we use is
there, refuse naming what is missing, and never downgrade (an older
binary must not undo what a newer River client needs)."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys

import psycopg

from supervisor.migrate import (
    LATEST,
    USED_COLUMNS,
    USED_ENUMS,
    USED_FUNCTIONS,
    USED_UNIQUE,
    migrate,
    missing_objects,
    required_facts,
    schema_status,
    schema_status_async,
)
from supervisor.river import sql
from tests.support import supervisor_harness as h
from tests.support.database import CIVIC_V6, create_database
from tests.support.river import insert_jobs, job
from tests.support.wait import wait_for

PROBE = '"probe".'
NOT_USED = {"DROP_STRAY"}
"""Drops Civic OS's leftover index, which a schema need not have."""


def statements() -> dict[str, str]:
    """Every River statement template, rendered as the supervisor renders it."""
    return {
        name: sql.render(value, "probe")
        for name, value in vars(sql).items()
        if isinstance(value, str) and "{schema}" in value and name not in NOT_USED
    }


def v7_catalog(conn: psycopg.Connection) -> tuple[dict[str, set[str]], set[str]]:
    """Columns of every River table and the labels of river_job_state, as River's v7 has them."""
    cols: dict[str, set[str]] = {}
    for table, column in conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'metadata' AND table_name LIKE 'river%'"
    ):
        cols.setdefault(table, set()).add(column)
    labels = {
        r[0] for r in conn.execute("SELECT unnest(enum_range(NULL::metadata.river_job_state))")
    }
    return cols, labels


def test_used_lists_cover_every_statement(db):
    """The lists in migrate.py name every object the statements reference; a new column in a
    statement fails here until it is listed, so a newer schema lacking it is refused."""
    stmts = statements()
    assert {"CLAIM", "SET_STATE", "SCHEDULE", "CLAIMERS", "SWEEP", "QUEUE_UPSERT"} <= set(stmts)
    cols, labels = v7_catalog(db)
    known = set(USED_COLUMNS) | set(USED_ENUMS) | set(USED_FUNCTIONS)
    used_cols: dict[str, set[str]] = {}
    used_labels: set[str] = set()
    for name, text in stmts.items():
        objects = set(re.findall(re.escape(PROBE) + r"(river_\w+)", text))
        assert objects <= known, (name, objects - known)
        words = set(re.findall(r"[a-z_]+", text))
        for table in objects & set(cols):
            used = cols[table] & words
            assert used <= USED_COLUMNS[table], (name, table, used - USED_COLUMNS[table])
            used_cols.setdefault(table, set()).update(used)
        quoted = set(re.findall(r"'([a-z_]+)'", text)) & labels
        assert quoted <= USED_ENUMS["river_job_state"], (name, quoted)
        used_labels |= quoted
        for function in re.findall(re.escape(PROBE) + r"(river_\w+)\(", text):
            assert function in USED_FUNCTIONS, name
        for table, target, where in re.findall(
            re.escape(PROBE) + r"(river_\w+).*?ON CONFLICT (\([^)]*\))(\s+WHERE)?", text, re.S
        ):
            assert USED_UNIQUE[table] == target + (" partial" if where else ""), name
    # ... and lists nothing no statement uses (river_migration: read by migrate.py itself).
    for table, listed in USED_COLUMNS.items():
        if table != "river_migration":
            assert listed == used_cols[table], (table, listed ^ used_cols[table])
    assert USED_ENUMS["river_job_state"] == used_labels


def test_every_required_object_is_in_river_v7_and_civic_v6_upgraded(db, pg_server):
    status = schema_status(db, "metadata")
    assert (status.version, status.missing, status.refusal, status.warning) == (7, (), None, None)


def test_missing_table_hides_its_columns():
    facts = set(required_facts()) - {f for f in required_facts() if "river_queue" in f}
    facts.discard("value river_job_state.running")
    assert missing_objects(facts) == [
        "table river_queue",
        "enum value river_job_state.running",
    ]


def _v8(conn: psycopg.Connection, *ddl: str) -> None:
    """A fake River 008: its river_migration row, plus what the test says it changed."""
    conn.execute("INSERT INTO metadata.river_migration (line, version) VALUES ('main', 8)")
    for statement in ddl:
        conn.execute(statement)


def test_status_of_versions(db):
    _v8(db, "ALTER TABLE metadata.river_job ADD COLUMN river_008_thing text")
    status = asyncio.run(_async_status(db.info.dsn))
    assert (status.version, status.missing, status.refusal) == (8, (), None)
    assert "version 8, newer than the 7" in status.warning
    db.execute("ALTER TABLE metadata.river_job DROP COLUMN unique_states")  # takes its index
    db.execute("DROP FUNCTION metadata.river_job_state_in_bitmask")
    status = schema_status(db, "metadata")
    assert status.missing == (
        "column river_job.unique_states",
        "function river_job_state_in_bitmask(bit, river_job_state) returns bool",
        "unique key river_job (unique_key) partial",
    )
    assert status.refusal.endswith(
        "lacks what civic-supervisor uses: column river_job.unique_states, function"
        " river_job_state_in_bitmask(bit, river_job_state) returns bool, unique key river_job"
        " (unique_key) partial; that version is newer"
        " than the 7 this civic-supervisor knows: upgrade civic-supervisor"
    )
    db.execute("DELETE FROM metadata.river_migration WHERE version >= 7")
    assert "this needs 7: run `civic-supervisor migrate`" in schema_status(db, "metadata").refusal


async def _async_status(dsn: str):
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        return await schema_status_async(conn, "metadata")


def test_status_of_a_bare_database(pg_server):
    with psycopg.connect(pg_server.url("postgres"), autocommit=True) as conn:
        status = schema_status(conn, "nowhere")
    assert status.version == 0 and "run `civic-supervisor migrate`" in status.refusal


def test_supervisor_starts_on_additive_v8_with_a_warning(db, db_url):
    _v8(
        db,
        "ALTER TABLE metadata.river_job ADD COLUMN river_008_thing text",
        "CREATE TABLE metadata.river_008_table (id bigint)",
    )
    sup = h.start(db_url)
    try:
        [jid] = insert_jobs(db, "noop")
        wait_for(
            lambda: job(db, jid)["state"] == "completed",
            what=f"job {jid} completed",
            show=lambda: job(db, jid)["state"],
        )
    finally:
        assert sup.stop() == 0
    [line] = [x for x in sup.log.splitlines() if "newer than the 7" in x]
    assert "WARNING" in line and "version 8" in line


def test_supervisor_refuses_v8_without_a_column_it_uses(db, db_url):
    _v8(db, "ALTER TABLE metadata.river_job DROP COLUMN attempted_by")
    sup = h.start(db_url, ready=False)
    try:
        code = sup.proc.wait(30)
    finally:
        sup.stop()
    assert code == 1
    assert "cannot start" in sup.log and "column river_job.attempted_by" in sup.log
    assert "upgrade civic-supervisor" in sup.log
    assert not any(n.startswith("READY=1") for n in sup.process.notices)


def test_supervisor_refuses_v6(pg_server):
    url = create_database(pg_server, "template0")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(CIVIC_V6.read_text())
    sup = h.start(url, ready=False)
    try:
        code = sup.proc.wait(30)
    finally:
        sup.stop()
    assert code == 1 and "version 6, this needs 7: run `civic-supervisor migrate`" in sup.log


def _catalog(conn: psycopg.Connection) -> list[tuple]:
    return conn.execute(
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)"
        " FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
        " WHERE c.relnamespace = 'metadata'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped"
        " ORDER BY 1, 2"
    ).fetchall()


def _cli(db_url: str, tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"database:\n  url: {db_url}\n")
    return subprocess.run([sys.executable, "-m", "supervisor.cli", *args, "-c", str(cfg)],
                          capture_output=True, text=True)  # fmt: skip


def test_migrate_never_downgrades(db, db_url, tmp_path):
    _v8(db, "ALTER TABLE metadata.river_job ADD COLUMN river_008_thing text")
    before = _catalog(db)
    result = migrate(db, "metadata")
    assert (result.before, result.after, result.applied, result.newer) == (8, 8, [], True)
    out = _cli(db_url, tmp_path, "migrate")
    assert out.returncode == 0, out.stdout
    assert "version 8, newer than the 7" in out.stdout and "never downgrades" in out.stdout
    assert _catalog(db) == before
    rows = db.execute("SELECT version FROM metadata.river_migration ORDER BY 1").fetchall()
    assert rows == [(v,) for v in range(1, 9)]
    check = _cli(db_url, tmp_path, "check")
    assert check.returncode == 0, check.stdout
    assert "WARNING: River schema" in check.stdout and "version 8" in check.stdout


def test_migrate_and_check_fail_on_v8_lacking_a_column(db, db_url, tmp_path):
    _v8(db, "ALTER TABLE metadata.river_queue DROP COLUMN paused_at")
    out = _cli(db_url, tmp_path, "migrate")
    assert out.returncode == 1, out.stdout
    assert "nothing to do" in out.stdout and "column river_queue.paused_at" in out.stdout
    check = _cli(db_url, tmp_path, "check")
    assert check.returncode == 1
    assert "PROBLEM: " in check.stdout and "column river_queue.paused_at" in check.stdout


def test_v7_missing_object_is_refused_too(db):
    """At 7 too: a hand-damaged schema is refused at start, not at the first election."""
    db.execute("ALTER TABLE metadata.river_leader DROP CONSTRAINT river_leader_pkey")
    status = schema_status(db, "metadata")
    assert status.version == LATEST and status.missing == ("unique key river_leader (name)",)
    assert "changed by hand" in status.refusal
