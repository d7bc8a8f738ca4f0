"""`civic-supervisor`: run, migrate, check.

Exit codes: 0 success, 1 runtime failure, 2 bad usage, 78 invalid configuration (EX_CONFIG).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from supervisor import __version__
from supervisor.config import Config, ConfigError, load

EXAMPLES = """\
examples:
  civic-supervisor -c config.yaml                     run every enabled child
  civic-supervisor -c config.yaml --only thumbnails   compatibility mode: one child
  civic-supervisor migrate -c config.yaml             create/upgrade River's schema to v7
  civic-supervisor migrate --notify-trigger ...       ... and wake on plain-SQL inserts
  civic-supervisor check -c config.yaml               validate config, database and schema
  civic-supervisor status -c config.yaml --json       queues, supervisors, connections
  civic-supervisor demo                               everything locally, no services needed
  DATABASE_URL=postgres://... civic-supervisor        configuration from the environment only
"""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-c",
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="config.yaml (default: $CIVIC_CONFIG, else built-in defaults + env)",
    )
    common.add_argument(
        "--only",
        metavar="NAME[,NAME]",
        default=argparse.SUPPRESS,
        help="run only these children (compatibility mode); env CIVIC_ONLY",
    )
    parser = argparse.ArgumentParser(
        prog="civic-supervisor", parents=[common], epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Runs Civic OS's River job queues in isolated child processes on a fixed "
                    "budget of database connections.",
    )  # fmt: skip
    parser.add_argument("--version", action="version", version=f"civic-supervisor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", parents=[common], help="run the supervisor (the default)")
    migrate = sub.add_parser(
        "migrate", parents=[common],
        help="create or upgrade River's schema to version 7 (never downgrades a newer one)",
    )  # fmt: skip
    trigger = migrate.add_mutually_exclusive_group()
    trigger.add_argument("--notify-trigger", action="store_true",
                         help="also add the opt-in insert trigger (one NOTIFY per statement and"
                              " queue) so jobs inserted by plain SQL start at once")  # fmt: skip
    trigger.add_argument("--remove-notify-trigger", action="store_true",
                         help="remove that trigger")  # fmt: skip
    migrate.add_argument("--drop-stray-unique-index", action="store_true",
                         help="also drop Civic OS's leftover river_job_kind_unique_key_idx"
                              " (UNIQUE (kind, unique_key)), which makes River unique inserts fail"
                              " with 23505; the Go worker's cron scheduler relies on it (see"
                              " `check`)")  # fmt: skip
    sub.add_parser(
        "check", parents=[common], help="check config, database, schema; exit non-zero on a problem"
    )
    status = sub.add_parser("status", parents=[common], help="queues, supervisors and connections")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    sub.add_parser(
        "health", parents=[common], help="exit 0 when /healthz of a running instance says ok"
    )
    bench = sub.add_parser("bench", parents=[common], help="measure throughput, latency, memory")
    from supervisor.benchmark.command import add_arguments

    add_arguments(bench)
    demo = sub.add_parser(
        "demo", parents=[common], help="run all queues on embedded PostgreSQL, S3 and SMTP"
    )
    demo.add_argument("--jobs", type=int, default=200, help="jobs in the mix (default 200)")
    demo.add_argument("--keep", action="store_true", help="keep running until Ctrl-C")
    demo.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                      help="give up when the jobs are not done by then (default 120)")  # fmt: skip
    demo.add_argument("--json", action="store_true", help="print the summary as JSON")
    return parser


def _config(args: argparse.Namespace) -> Config:
    path = getattr(args, "config", None) or os.environ.get("CIVIC_CONFIG") or None
    return load(path)


def _only(args: argparse.Namespace) -> list[str] | None:
    raw = getattr(args, "only", None) or os.environ.get("CIVIC_ONLY", "")
    names = [n.strip() for n in raw.split(",") if n.strip()]
    return names or None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    if command == "bench":  # embedded PostgreSQL unless -c names a database
        from supervisor.benchmark.command import run_bench

        return run_bench(args)
    if command == "demo":  # builds its own configuration: no -c, no environment
        from supervisor.demo.command import run_demo

        return run_demo(args)
    try:
        cfg = _config(args)
        only = _only(args)
        if only:
            cfg.enabled_queues(only)  # unknown names are a config error, before anything starts
    except ConfigError as exc:
        print(f"civic-supervisor: config error: {exc}", file=sys.stderr)
        return os.EX_CONFIG
    from supervisor.logs import setup

    setup(cfg.log.level, cfg.log.format, threaded=command == "run")
    if command == "migrate":
        from supervisor.commands import migrate_command

        trigger = {(True, False): "install", (False, True): "remove"}.get(
            (args.notify_trigger, args.remove_notify_trigger)
        )
        return migrate_command(cfg, trigger, args.drop_stray_unique_index)
    if command == "check":
        from supervisor.commands import check_command

        return check_command(cfg, only)
    if command == "status":
        from supervisor.status import run_status

        return run_status(cfg, args.json)
    if command == "health":
        from supervisor.commands import health_command

        return health_command(cfg)
    return run(cfg, only)


def run(cfg: Config, only: list[str] | None) -> int:
    from supervisor.supervisor import StartupError, Supervisor

    try:
        return asyncio.run(Supervisor(cfg, only).run())
    except StartupError as exc:
        logging.getLogger("civic.supervisor").error("cannot start: %s", exc)
        return 1
    except ConfigError as exc:  # found only at start, e.g. child_user cannot run Python
        logging.getLogger("civic.supervisor").error("cannot start: config error: %s", exc)
        return os.EX_CONFIG


if __name__ == "__main__":
    sys.exit(main())
