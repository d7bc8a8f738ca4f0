"""Civic OS's stray `river_job_kind_unique_key_idx` (a unique index River does not make, which
fails a second periodic insert per kind): `check` warns about it, `migrate
--drop-stray-unique-index` alone removes it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest

from supervisor.migrate import migrate, stray_index
from supervisor.river.sql import STRAY_INDEX
from tests.support.database import CIVIC_V6, create_database

CIVIC_STRAY = (  # as Civic OS's v0-10-0 (River's 005) creates it
    f"CREATE UNIQUE INDEX {STRAY_INDEX} ON metadata.river_job (kind, unique_key)"
    " WHERE unique_key IS NOT NULL"
)
RIVER_UNIQUE_INSERT = """
INSERT INTO metadata.river_job (kind, args, max_attempts, unique_key, unique_states)
VALUES ('parse_all_source_code', '{}', 1, '\\x01', B'11110001')
ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND unique_states IS NOT NULL
    AND metadata.river_job_state_in_bitmask(unique_states, state)
DO UPDATE SET kind = EXCLUDED.kind
RETURNING id
"""
"""River's JobInsertFastMany for one job unique by args among every state but completed,
cancelled and discarded (bit 5 off: a completed row does not hold the key)."""


@pytest.fixture
def civic(pg_server) -> Iterator[tuple[psycopg.Connection, str]]:
    """A Civic OS database as sqitch leaves it: River v6 plus the stray index, migrated to 7."""
    url = create_database(pg_server, "template0")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(CIVIC_V6.read_text())
        conn.execute(CIVIC_STRAY)
        assert migrate(conn, "metadata").applied == [7]
        yield conn, url


def cli(db_url: str, tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"database:\n  url: {db_url}\n")
    return subprocess.run([sys.executable, "-m", "supervisor.cli", *args, "-c", str(cfg)],
                          capture_output=True, text=True)  # fmt: skip


def test_check_warns_and_only_the_flag_drops_it(civic, tmp_path):
    conn, url = civic
    check = cli(url, tmp_path, "check")
    assert check.returncode == 0, check.stdout  # a warning: the Go worker runs with it
    [line] = [x for x in check.stdout.splitlines() if STRAY_INDEX in x]
    assert line.startswith('WARNING: index "metadata".river_job_kind_unique_key_idx')
    assert "23505" in line and "--drop-stray-unique-index" in line and "scheduler" in line
    assert "PROBLEM" not in check.stdout

    out = cli(url, tmp_path, "migrate")
    assert out.returncode == 0 and STRAY_INDEX not in out.stdout
    assert stray_index(conn, "metadata").matches  # plain migrate never touches it

    out = cli(url, tmp_path, "migrate", "--drop-stray-unique-index")
    assert out.returncode == 0, out.stdout
    assert f"stray index {STRAY_INDEX} dropped" in out.stdout
    assert stray_index(conn, "metadata") is None
    assert STRAY_INDEX not in cli(url, tmp_path, "check").stdout

    again = cli(url, tmp_path, "migrate", "--drop-stray-unique-index")
    assert again.returncode == 0 and "nothing to drop" in again.stdout


def test_clean_schema_check_says_nothing_about_it(db_url, tmp_path):
    check = cli(db_url, tmp_path, "check")
    assert (
        check.returncode == 0 and STRAY_INDEX not in check.stdout and "WARNING" not in check.stdout
    )


def test_an_index_of_that_name_defined_otherwise_is_never_dropped(db, db_url, tmp_path):
    db.execute(f"CREATE INDEX {STRAY_INDEX} ON metadata.river_job (kind, unique_key)")
    out = cli(db_url, tmp_path, "migrate", "--drop-stray-unique-index")
    assert out.returncode == 1 and "not dropped" in out.stdout
    assert stray_index(db, "metadata") is not None
    check = cli(db_url, tmp_path, "check")
    assert check.returncode == 0 and "leaves it alone" in check.stdout
    assert "--drop-stray-unique-index" not in check.stdout
    other = "river_job_kind_unique_key_idx2"  # the stray one's shape, another name: not ours
    db.execute(CIVIC_STRAY.replace(STRAY_INDEX, other))
    db.execute(f"DROP INDEX metadata.{STRAY_INDEX}")
    out = cli(db_url, tmp_path, "migrate", "--drop-stray-unique-index")
    assert out.returncode == 0 and "nothing to drop" in out.stdout
    assert db.execute("SELECT to_regclass(%s)", (f"metadata.{other}",)).fetchone()[0] is not None


def test_what_it_breaks_river_unique_insert_after_a_completed_row(civic):
    conn, _ = civic
    [(first,)] = conn.execute(RIVER_UNIQUE_INSERT).fetchall()
    conn.execute(
        "UPDATE metadata.river_job SET state = 'completed', finalized_at = now() WHERE id = %s",
        (first,),
    )
    with pytest.raises(psycopg.errors.UniqueViolation, match=STRAY_INDEX):
        conn.execute(RIVER_UNIQUE_INSERT)
    conn.execute(f"DROP INDEX metadata.{STRAY_INDEX}")
    [(second,)] = conn.execute(RIVER_UNIQUE_INSERT).fetchall()
    assert second != first  # inserted, as River intends: the completed row holds no key
    [(again,)] = conn.execute(RIVER_UNIQUE_INSERT).fetchall()
    assert again == second  # and a live row still deduplicates through River's own index
