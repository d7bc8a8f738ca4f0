"""Pickup latency at a fixed arrival rate: insert commit -> the job's claim (`attempted_at`).

One job per transaction, paced on an absolute schedule (no drift), in one of three modes:
`notify` (River's insert NOTIFY in the same transaction), `plain` (Civic OS triggers: no
NOTIFY, so only the poll finds them) and `trigger` (plain inserts with the opt-in statement
trigger installed). `attempted_at` is the claim statement's `now()`, on the server's clock;
the commit time is the client's, corrected by the measured clock offset. The thread starts
the job one reply frame after the claim (well under a millisecond on a local socket).
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any

import psycopg

from supervisor.benchmark import jobs
from supervisor.benchmark.progress import Progress
from supervisor.benchmark.target import BENCH_QUEUE, Target

MODES = ("notify", "plain", "trigger")


def percentiles(values: list[float]) -> dict[str, float]:
    """p50/p95/p99/max by nearest rank (no interpolation: every figure was observed)."""
    if not values:
        return {}
    s = sorted(values)

    def rank(p: float) -> float:
        return s[max(0, math.ceil(p / 100 * len(s)) - 1)]

    return {"p50": rank(50), "p95": rank(95), "p99": rank(99), "max": s[-1]}


def clock_offset(conn: psycopg.Connection) -> float:
    """Server clock minus ours, in seconds (median of a few round trips)."""
    samples = []
    for _ in range(7):
        before = time.time()
        row = conn.execute("SELECT extract(epoch FROM clock_timestamp())").fetchone()
        assert row is not None
        server = row[0]
        after = time.time()
        samples.append(float(server) - (before + after) / 2)
    return statistics.median(samples)


def _statement(target: Target, mode: str) -> str:
    insert = (
        f"INSERT INTO {target.prefix}river_job (kind, args, queue) VALUES ('noop', '{{}}', %(q)s)"
    )
    if mode == "notify":
        return f"WITH j AS ({insert} RETURNING id) SELECT id, pg_notify(%(ch)s, %(p)s) FROM j"
    return f"{insert} RETURNING id"


def run(target: Target, mode: str, count: int, rate: float, timeout: float) -> dict[str, Any]:
    target.reset()
    params = {"q": BENCH_QUEUE, "ch": f"{target.schema}.river_insert",
              "p": f'{{"queue": "{BENCH_QUEUE}"}}'}  # fmt: skip
    commits: dict[int, float] = {}
    insert_ms: list[float] = []
    progress = Progress(f"latency ({mode})", count)
    with target.connect("civic-bench-insert") as conn:
        offset = clock_offset(conn)
        text = _statement(target, mode)
        start = time.monotonic() + 0.05
        for i in range(count):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            began = time.monotonic()
            row = conn.execute(text, params, prepare=True).fetchone()
            assert row is not None
            job_id = row[0]
            commits[job_id] = time.time() + offset
            insert_ms.append((time.monotonic() - began) * 1000)
            progress.update(i + 1)
        progress.close(count)
        left = jobs.wait_done(target, conn, count, Progress(f"  drain ({mode})", count), timeout)
        rows = conn.execute(
            f"SELECT id, extract(epoch FROM attempted_at) FROM {target.prefix}river_job"
            " WHERE queue = %s AND attempted_at IS NOT NULL",
            (BENCH_QUEUE,),
        ).fetchall()
    latencies = [(float(at) - commits[i]) * 1000 for i, at in rows if i in commits]
    return {
        "mode": mode, "jobs": count, "rate": rate, "picked_up": len(latencies), "left": left,
        "latency_ms": percentiles(latencies), "insert_ms": percentiles(insert_ms),
    }  # fmt: skip


def _bulk_insert_ms(target: Target, conn: psycopg.Connection, rows: int) -> float:
    """One `rows`-row INSERT, rolled back (the trigger still fires; no job stays)."""
    began = time.monotonic()
    with conn.transaction(force_rollback=True):
        conn.execute(
            f"INSERT INTO {target.prefix}river_job (kind, args, queue)"
            " SELECT 'noop', '{}', %s FROM generate_series(1, %s)",
            (BENCH_QUEUE, rows),
        )
    return (time.monotonic() - began) * 1000


def trigger_overhead(target: Target, rows: int = 10_000, rounds: int = 5) -> dict[str, float]:
    """Median time of a `rows`-row INSERT without and with the trigger, rounds interleaved."""
    from supervisor.notify_trigger import install, remove

    without, with_trigger = [], []
    with target.connect("civic-bench-insert") as conn:
        _bulk_insert_ms(target, conn, rows)  # warm the cache and the plan
        for _ in range(rounds):
            without.append(_bulk_insert_ms(target, conn, rows))
            install(conn, target.schema)
            with_trigger.append(_bulk_insert_ms(target, conn, rows))
            remove(conn, target.schema)
    a, b = statistics.median(without), statistics.median(with_trigger)
    return {"rows": rows, "without_ms": a, "with_ms": b, "ratio": b / a}
