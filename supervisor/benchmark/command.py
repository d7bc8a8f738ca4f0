"""`civic-supervisor bench`: burn-down, raw ceiling, pickup latency, connections, memory, start/stop.

Everything is measured in one run on one machine and reported side by side with ratios,
because absolute numbers on shared machines drift between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import psycopg

from supervisor.benchmark import measure, raw
from supervisor.benchmark.process import SupervisorProcess
from supervisor.migrate import migrate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--jobs", type=int, default=100_000, help="burn-down size (default 100000)")
    parser.add_argument(
        "--rate", type=float, default=200.0, help="arrival rate for latency (jobs/s)"
    )
    parser.add_argument("--latency-jobs", type=int, default=1000, help="jobs per latency run")
    parser.add_argument("--raw", action="store_true", help="also run the raw-SQL ceiling")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


@contextlib.contextmanager
def database(args: argparse.Namespace) -> Iterator[str]:
    """The config's database (-c), else a throwaway embedded PostgreSQL."""
    if getattr(args, "config", None):
        from supervisor.config import load

        yield load(args.config)["database.url"]
        return
    from supervisor.embedded_pg import EmbeddedPostgres

    with EmbeddedPostgres(max_connections=50) as pg:
        yield pg.url()


def _progress(text: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{text:<70}", end="", file=sys.stderr, flush=True)


def _burn(
    url: str, conn: psycopg.Connection, n: int, latency_jobs: int, rate: float
) -> dict[str, Any]:
    measure.reset(conn)
    with measure.ConnectionSampler(url) as sampler:
        sup = SupervisorProcess(url, {})
        with conn.transaction():  # one statement and one NOTIFY, then time until all are done
            measure.insert_noops(conn, n)
            conn.execute(
                "SELECT pg_notify('metadata.river_insert', %s)",
                (f'{{"queue": "{measure.QUEUE}"}}',),
            )
        start = time.perf_counter()
        while (done := measure.completed(conn)) < n:
            _progress(f"burn-down {done}/{n}")
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        time.sleep(1.0)  # idle: measure memory at rest
        rss = sup.rss()
        latency = {
            "notify": measure.pickup_latency(conn, latency_jobs, rate, notify=True),
            "plain_sql": measure.pickup_latency(conn, min(latency_jobs, 200), rate, notify=False),
        }
        stop_seconds = sup.stop()
    return {"jobs": n, "seconds": seconds, "jobs_per_s": n / seconds, "peak_connections": sampler.peak,
            "rss_bytes": rss, "rss_total_mb": sum(rss.values()) / 2**20, "latency": latency,
            "ready_seconds": sup.ready_seconds, "stop_seconds": stop_seconds}  # fmt: skip


def run_bench(args: argparse.Namespace) -> int:
    with database(args) as url, psycopg.connect(url, autocommit=True) as conn:
        migrate(conn, "metadata")
        report: dict[str, Any] = {
            "supervisor": _burn(url, conn, args.jobs, args.latency_jobs, args.rate)
        }
        if args.raw:
            measure.reset(conn)
            measure.insert_noops(conn, args.jobs)
            seconds = asyncio.run(raw.burn_down(url, "metadata", measure.QUEUE))
            report["raw"] = {
                "jobs": args.jobs,
                "seconds": seconds,
                "jobs_per_s": args.jobs / seconds,
            }
            report["ratio_supervisor_to_raw"] = (
                report["supervisor"]["jobs_per_s"] / report["raw"]["jobs_per_s"]
            )
    _progress("")
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0 if report["supervisor"]["peak_connections"] <= 4 else 1


def render(r: dict[str, Any]) -> str:
    s = r["supervisor"]
    lines = [
        f"burn-down      {s['jobs']} noop jobs in {s['seconds']:.2f}s = {s['jobs_per_s']:,.0f} jobs/s",
    ]
    if "raw" in r:
        lines.append(f"raw SQL        {r['raw']['jobs_per_s']:,.0f} jobs/s (3 connections, batches of 100)"
                     f"  -> supervisor/raw = {r['ratio_supervisor_to_raw']:.2f}x")  # fmt: skip
    for name, lat in s["latency"].items():
        lines.append(
            f"pickup {name:<9} p50 {lat['p50_ms']:.1f} ms  p95 {lat['p95_ms']:.1f} ms  p99 {lat['p99_ms']:.1f} ms"
        )
    lines += [
        f"connections    peak {s['peak_connections']} (budget 4)",
        f"memory (idle)  {s['rss_total_mb']:.0f} MB: " + ", ".join(f"{k} {v / 2**20:.0f} MB" for k, v in s["rss_bytes"].items()),
        f"start->ready   {s['ready_seconds']:.2f}s   SIGTERM->exit {s['stop_seconds']:.2f}s",
    ]  # fmt: skip
    return "\n".join(lines)
