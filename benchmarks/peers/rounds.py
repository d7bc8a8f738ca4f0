"""Every row, every round, on one embedded PostgreSQL: rounds interleave the systems so a
noisy neighbour disturbs them alike."""

from __future__ import annotations

import argparse
import os
import platform
from typing import Any

from benchmarks.peers.burndown import run_peer
from benchmarks.peers.civic import run_civic
from benchmarks.peers.plan import Run, plan
from benchmarks.peers.result import Result
from benchmarks.peers.settings import SETUP_NAME
from benchmarks.peers.summary import summarize, verdict
from supervisor.benchmark.progress import say
from supervisor.benchmark.target import Target


def run_round(tgt: Target, runs: list[Run], args: argparse.Namespace) -> list[Result]:
    results = []
    for run in runs:
        if run.system == "civic-supervisor":
            say(f"civic-supervisor: {args.jobs:,} jobs through the bench child")
            results.append(run_civic(tgt, args.jobs, args.max_workers, args.timeout))
        else:
            results.append(run_peer(tgt, run, args.jobs, args.timeout))
    return results


def run_all(args: argparse.Namespace) -> dict[str, Any]:
    from supervisor.benchmark.target import embedded

    runs = plan(args)
    rounds: list[list[Result]] = []
    with embedded(args.max_conns) as tgt:
        with tgt.connect(SETUP_NAME) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            assert row is not None
            server = row[0]
        for i in range(args.rounds):
            if args.rounds > 1:
                say(f"round {i + 1} of {args.rounds}")
            rounds.append(run_round(tgt, runs, args))
    summary = summarize(rounds)
    return {
        "jobs": args.jobs,
        "rounds": args.rounds,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "postgres": server,
                    "embedded": True, "versions": versions()},
        "results": [r.__dict__ for r in summary],
        "target": verdict(summary),
    }  # fmt: skip


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("civic-supervisor", "pgqueuer", "procrastinate", "psycopg"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out
