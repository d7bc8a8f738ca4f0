"""The command line: `python -m benchmarks.peers --help`; also the peers' worker process
(`--worker SPEC`, started by `WorkerProcess`)."""

from __future__ import annotations

import argparse
import sys

import benchmarks.peers as package
from benchmarks.peers.report import text_report
from benchmarks.peers.rounds import run_all, versions
from benchmarks.peers.settings import PEERS, PGQ_MANAGERS, SYSTEMS, PeerSettings
from benchmarks.peers.worker import worker_main
from supervisor.benchmark.command import BENCH_WORKERS, run_and_report
from supervisor.benchmark.progress import say


def systems(value: str) -> list[str]:
    chosen = [s.strip() for s in value.split(",") if s.strip()]
    if not chosen or set(chosen) - set(SYSTEMS):
        raise argparse.ArgumentTypeError(f"choose from {', '.join(SYSTEMS)}")
    return chosen


def counts(value: str) -> list[int]:
    try:
        chosen = [int(x) for x in value.split(",") if x.strip()]
    except ValueError:
        chosen = []
    if not chosen or min(chosen) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of integers >= 1")
    return chosen


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.peers", description=(package.__doc__ or "").split("\n")[0]
    )
    p.add_argument("--jobs", type=int, default=100_000, help="burn-down jobs (default 100000)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--rounds", type=int, default=1,
                   help="run every system this many times, interleaved; report the median")  # fmt: skip
    p.add_argument("--systems", type=systems, default=list(SYSTEMS),
                   help="comma-separated subset, in order (default: all three)")  # fmt: skip
    p.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                   help="give up on a burn-down after this long (default 600)")  # fmt: skip
    p.add_argument("--max-workers", type=int, default=BENCH_WORKERS,
                   help=f"threads of the supervisor's bench child (default {BENCH_WORKERS}, "
                        "as `bench`)")  # fmt: skip
    p.add_argument("--max-conns", type=int, default=4,
                   help="civic-supervisor's connection budget (default 4; 3 = pool of 2 + LISTEN)")  # fmt: skip
    d = PeerSettings()
    p.add_argument("--pgq-batch", type=int, default=d.pgq_batch,
                   help=f"pgqueuer batch_size (default {d.pgq_batch})")  # fmt: skip
    p.add_argument("--pgq-max-tasks", type=int, default=d.pgq_max_tasks,
                   help=f"pgqueuer max_concurrent_tasks, >= 2 x batch, 0 = unlimited "
                        f"(default {d.pgq_max_tasks})")  # fmt: skip
    p.add_argument("--pgq-managers", type=counts, default=list(PGQ_MANAGERS),
                   help="QueueManagers (1 connection each) in pgqueuer's worker process; one "
                        "row per value (default 1,4: its single worker, and civic-supervisor's "
                        "budget of 4)")  # fmt: skip
    p.add_argument("--proc-concurrency", type=int, default=d.proc_concurrency,
                   help=f"procrastinate worker concurrency (default {d.proc_concurrency})")  # fmt: skip
    p.add_argument("--proc-pool", type=int, default=d.proc_pool,
                   help=f"procrastinate psycopg pool size, min = max (default {d.proc_pool})")  # fmt: skip
    p.add_argument("--worker", metavar="SPEC", help=argparse.SUPPRESS)
    return p


def main() -> int:
    args = parser().parse_args()
    if args.worker:
        return worker_main(args.worker)
    if args.jobs < 1 or args.rounds < 1:
        say("--jobs and --rounds must be >= 1")
        return 2
    missing = [s for s in args.systems if s in PEERS and versions()[s] == "not installed"]
    if missing:
        say(f"not installed: {', '.join(missing)}; pip install -e '.[peers]'")
        return 2
    return run_and_report(lambda: run_all(args), args.json, text_report)


if __name__ == "__main__":
    sys.exit(main())
