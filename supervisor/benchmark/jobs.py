"""Inserting bench jobs and watching them burn down, on the bench's own session.

Times that are compared with `attempted_at`/`finalized_at` come from the server's clock, so
a remote server with a skewed clock does not distort a latency.
"""

from __future__ import annotations

import json
import time
from datetime import datetime

import psycopg

from supervisor.benchmark.progress import Progress
from supervisor.benchmark.target import BENCH_QUEUE, Target

FINAL = "('completed', 'cancelled', 'discarded')"


def insert_bulk(target: Target, conn: psycopg.Connection, n: int, *, notify: bool) -> datetime:
    """N noop jobs in one transaction (River's InsertMany); returns the server time after commit."""
    with conn.transaction():
        conn.execute(
            f"INSERT INTO {target.prefix}river_job (kind, args, queue)"
            " SELECT 'noop', '{}', %s FROM generate_series(1, %s)",
            (BENCH_QUEUE, n),
        )
        if notify:
            notify_insert(target, conn)
    row = conn.execute("SELECT clock_timestamp()").fetchone()
    assert row is not None
    value: datetime = row[0]
    return value


def notify_insert(target: Target, conn: psycopg.Connection) -> None:
    """River's insert notification: channel `<schema>.river_insert`, payload {"queue": ...}."""
    conn.execute(
        "SELECT pg_notify(%s, %s)",
        (f"{target.schema}.river_insert", json.dumps({"queue": BENCH_QUEUE})),
    )


def remaining(target: Target, conn: psycopg.Connection) -> int:
    """Jobs not yet final (available, running, retryable ...)."""
    row = conn.execute(
        f"SELECT count(*) FROM {target.prefix}river_job WHERE queue = %s AND state NOT IN {FINAL}",
        (BENCH_QUEUE,),
    ).fetchone()
    assert row is not None
    value: int = row[0]
    return value


def wait_done(
    target: Target, conn: psycopg.Connection, n: int, progress: Progress, timeout: float
) -> int:
    """Poll until no job is left; returns how many are still left at the timeout.

    Once a second: each count scans the whole queue (~50 ms of server CPU at 100,000 jobs),
    and at 4/s that was an eighth of what the measured run had. The end time comes from
    `finalized_at`, so the poll period does not change the figure."""
    deadline = time.monotonic() + timeout
    while True:
        left = remaining(target, conn)
        progress.update(n - left)
        if left == 0 or time.monotonic() > deadline:
            progress.close(n - left)
            return left
        time.sleep(1.0)


def last_finalized(target: Target, conn: psycopg.Connection) -> datetime:
    row = conn.execute(
        f"SELECT max(finalized_at) FROM {target.prefix}river_job WHERE queue = %s",
        (BENCH_QUEUE,),
    ).fetchone()
    assert row is not None
    value: datetime = row[0]
    return value


def completed(target: Target, conn: psycopg.Connection) -> int:
    row = conn.execute(
        f"SELECT count(*) FROM {target.prefix}river_job WHERE queue = %s AND state = 'completed'",
        (BENCH_QUEUE,),
    ).fetchone()
    assert row is not None
    value: int = row[0]
    return value
