"""`civic-supervisor bench`: run every measurement side by side in one run and report.

Order: raw SQL ceiling (`--raw`, no supervisor running), then the supervisor with the bench
child (start, burn-down, pickup latency per insert mode, SIGTERM), then the supervisor with
its three production children idle (start to ready, memory, SIGTERM). Progress goes to
stderr; stdout carries only the report (text, or JSON with `--json`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from supervisor.benchmark.progress import say
from supervisor.benchmark.target import Target
from supervisor.interruptible import interruptible

POLL = 1.0
"""fetch_poll_interval of the bench runs: the default, which the plain-SQL target names."""
BENCH_WORKERS = 300
"""Threads of the bench child. A no-op holds its thread for microseconds, so the queue, not
the work, sets the pace; with two fetches in flight each claims half the free slots (~150
rows), and fewer, larger claims cost the server and both processes less per job."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `bench`; `-c FILE` comes from the CLI's common options."""
    parser.add_argument("--jobs", type=int, default=100_000, help="burn-down jobs (default 100000)")
    parser.add_argument("--raw", action="store_true",
                        help="also run the claim/complete SQL directly (3 sessions, batches of "
                             "100) as the ceiling, and print supervisor/raw")  # fmt: skip
    parser.add_argument("--rate", type=float, default=200.0,
                        help="arrival rate of the latency runs, jobs/s (default 200)")  # fmt: skip
    parser.add_argument("--latency-jobs", type=int, default=2000, metavar="N",
                        help="jobs per latency run (default 2000; 0 skips latency)")  # fmt: skip
    parser.add_argument("--max-workers", type=int, default=BENCH_WORKERS, metavar="N",
                        help=f"threads of the bench child (default {BENCH_WORKERS}: no-op jobs "
                             "hold a thread for microseconds; claims of ~half of them)")  # fmt: skip
    parser.add_argument("--max-conns", type=int, default=4, metavar="N",
                        help="connection budget with the embedded server (default 4)")  # fmt: skip
    parser.add_argument("--skip-idle", action="store_true",
                        help="skip the three idle production children (memory, start, stop)")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                        help="give up on a burn-down after this long (default 600)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


def run_and_report(
    run: Callable[[], dict[str, Any]], as_json: bool, text: Callable[[dict[str, Any]], str]
) -> int:
    """Run a benchmark and print its report (JSON or `text`); interrupts and failures as
    `interruptible` says. Shared with the scripts in benchmarks/."""

    def report() -> int:
        results = run()
        print(json.dumps(results, indent=2, default=str) if as_json else text(results))
        return 0

    return interruptible(report, say)


def run_bench(args: argparse.Namespace) -> int:
    if getattr(args, "only", None):
        say("--only does not apply: the bench chooses its children")
        return 2
    if args.jobs < 1 or args.rate <= 0 or args.latency_jobs < 0 or args.max_conns < 2:
        say("--jobs must be >= 1, --rate > 0, --latency-jobs >= 0, --max-conns >= 2")
        return 2
    from supervisor.benchmark.report import text

    return run_and_report(lambda: _run(args), args.json, text)


def _target(args: argparse.Namespace) -> AbstractContextManager[Target]:
    from supervisor.benchmark import target

    path = getattr(args, "config", None)
    if path:
        return target.configured(path)
    return target.embedded(args.max_conns)


def _run(args: argparse.Namespace) -> dict[str, Any]:
    from supervisor.benchmark import burndown, latency, raw
    from supervisor.benchmark.resources import ConnectionSampler
    from supervisor.benchmark.runs import bench_child, idle_children

    with _target(args) as tgt:
        with tgt.connect("civic-bench-setup") as conn:
            row = conn.execute("SHOW server_version").fetchone()
            assert row is not None
            server = row[0]
        results: dict[str, Any] = {
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                        "python": platform.python_version(), "postgres": server,
                        "embedded": tgt.embedded},
            "settings": {"jobs": args.jobs, "max_conns": tgt.max_conns, "rate": args.rate,
                         "max_workers": args.max_workers, "fetch_poll_interval_s": POLL,
                         "latency_jobs": args.latency_jobs},
            "burndown": {}, "latency": {}, "memory": {}, "lifecycle": {},
            "connections": {"max_conns": tgt.max_conns, "counted": f"{tgt.application_name}%"},
        }  # fmt: skip
        if args.raw:
            say(f"raw SQL ceiling: {args.jobs:,} jobs, {raw.SESSIONS} sessions")
            results["burndown"]["raw"] = raw.run(tgt, args.jobs)
        sampler = ConnectionSampler(tgt.url, tgt.application_name)
        sampler.start()
        try:
            bench_child(tgt, args, results, sampler, burndown, latency)
            if not args.skip_idle:
                idle_children(tgt, results, sampler)
        finally:
            sampler.stop()
        results["connections"]["peak"] = sampler.peak
        results["connections"]["samples"] = sampler.samples
        if sampler.error is not None:
            raise RuntimeError(f"connection sampler failed: {sampler.error}")
    sup, rw = results["burndown"].get("supervisor"), results["burndown"].get("raw")
    if sup and rw and sup.get("jobs_per_s"):
        results["burndown"]["ratio"] = sup["jobs_per_s"] / rw["jobs_per_s"]
    return results


def main() -> int:  # pragma: no cover - `python -m supervisor.benchmark.command`
    parser = argparse.ArgumentParser(prog="civic-supervisor bench")
    parser.add_argument("-c", "--config", metavar="FILE", default=None)
    add_arguments(parser)
    return run_bench(parser.parse_args())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
