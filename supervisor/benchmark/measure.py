"""Database-side measurements: insert jobs, wait for completion, sample connections, latency."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import psycopg

QUEUE = "civic_bench"


def insert_noops(conn: psycopg.Connection, n: int) -> None:
    conn.execute(
        "INSERT INTO metadata.river_job (kind, args, queue) SELECT 'noop', '{}', %s"
        " FROM generate_series(1, %s)", (QUEUE, n))  # fmt: skip


def completed(conn: psycopg.Connection) -> int:
    return conn.execute(
        "SELECT count(*) FROM metadata.river_job WHERE state = 'completed'"
    ).fetchone()[0]


def reset(conn: psycopg.Connection) -> None:
    conn.execute("TRUNCATE metadata.river_job")
    conn.execute("VACUUM ANALYZE metadata.river_job")


@dataclass
class ConnectionSampler:
    """Peak sessions named `prefix%` in pg_stat_activity, sampled every 10 ms on its own session."""

    url: str
    prefix: str = "civic-supervisor"
    peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> ConnectionSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        with psycopg.connect(
            self.url, autocommit=True, application_name="civic-bench-monitor"
        ) as c:
            while not self._stop.is_set():
                n = c.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE %s",
                              (self.prefix + "%",)).fetchone()[0]  # fmt: skip
                self.peak = max(self.peak, n)
                time.sleep(0.01)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def pickup_latency(conn: psycopg.Connection, n: int, rate: float, notify: bool) -> dict[str, float]:
    """Insert `n` jobs at `rate`/s (each its own transaction, NOTIFY optional); once all have
    started, percentiles of attempted_at - created_at (the database's clock on both sides)."""
    reset(conn)
    start = time.perf_counter()
    for i in range(n):
        with conn.transaction():
            conn.execute(
                "INSERT INTO metadata.river_job (kind, args, queue) VALUES ('noop', '{}', %s)",
                (QUEUE,),
            )
            if notify:
                conn.execute(
                    "SELECT pg_notify('metadata.river_insert', %s)", (f'{{"queue": "{QUEUE}"}}',)
                )
        delay = start + (i + 1) / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    deadline = time.monotonic() + 30
    while completed(conn) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    row = conn.execute(
        "SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY"
        " extract(epoch FROM attempted_at - created_at)) FROM metadata.river_job").fetchone()[0]  # fmt: skip
    return {"p50_ms": row[0] * 1000, "p95_ms": row[1] * 1000, "p99_ms": row[2] * 1000}
