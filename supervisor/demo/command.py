"""`civic-supervisor demo`: start the services, run the real supervisor, report, clean up.

Progress and messages go to stderr; stdout carries only the summary (text, or JSON with
`--json`), so the command can be scripted and tested.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import psycopg

from supervisor.demo import missing_extras, report, services
from supervisor.demo.keep import explore
from supervisor.demo.progress import Monitor
from supervisor.demo.settings import BUDGET, config
from supervisor.demo.summary import collect, problems
from supervisor.demo.workload import Mix, enqueue, install_schema, prepare
from supervisor.interruptible import interruptible
from supervisor.runner import SupervisorProcess


def _say(text: str) -> None:
    print(f"demo: {text}", file=sys.stderr, flush=True)


def run_demo(args: argparse.Namespace) -> int:
    missing = missing_extras()
    if missing:
        _say(f"missing {', '.join(missing)}; install with: pip install 'civic-supervisor[demo]'")
        return 1
    if getattr(args, "config", None) or getattr(args, "only", None):
        _say("-c/--only do not apply: the demo writes its own configuration")
        return 2
    if args.jobs < 10 or args.timeout <= 0:
        _say("--jobs must be at least 10 and --timeout positive")
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="civic-demo-"))
    try:
        return interruptible(lambda: _run(args, workdir), _say)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _connect(db_url: str) -> psycopg.Connection:
    """The demo's own session, named so that the connection count leaves it out."""
    return psycopg.connect(db_url, autocommit=True, application_name="civic-demo-seed")


def _run(args: argparse.Namespace, workdir: Path) -> int:
    mix = Mix.of(args.jobs)
    with ExitStack() as stack:
        _say(f"starting PostgreSQL, S3 (moto) and an SMTP sink under {workdir}")
        db_url = stack.enter_context(services.postgres())
        s3 = stack.enter_context(services.s3())
        mailbox = stack.enter_context(services.smtp_sink(workdir / "emails"))
        with _connect(db_url) as conn:
            install_schema(conn)
            prepared = prepare(conn, s3.client, mix)
        monitor = Monitor(db_url, mix.by_queue(), sys.stderr, BUDGET)
        monitor.start()
        stack.callback(monitor.stop)
        settings = config(db_url, s3.endpoint, mailbox.port)
        sup = stack.enter_context(SupervisorProcess(settings, workdir=workdir))
        deadline = time.monotonic() + args.timeout
        sup.wait_ready(deadline - time.monotonic())
        _say(
            f"supervisor running; enqueueing {mix.presign} uploads to presign, "
            f"{mix.thumbnails} files to thumbnail, {mix.notifications} notifications"
        )
        monitor.live.set()
        with _connect(db_url) as conn:
            enqueue(conn, prepared, mix)
        failure = _wait(monitor, sup, mix.by_queue(), deadline, args.timeout)
        monitor.live.clear()
        monitor.draw()
        if failure:
            _say(f"{failure}; from the supervisor's log:\n{sup.log_tail()}")
            return 1
        exit_code = None if args.keep else sup.stop()
        with _connect(db_url) as conn:
            summary = collect(
                conn, s3.client, s3.endpoint, mailbox, monitor.snapshot().peak, BUDGET
            )
        found = problems(summary, mix, exit_code)
        summary.update(
            ok=not found,
            problems=found,
            workdir=str(workdir),
            supervisor_exit=exit_code,
            mix=mix.by_queue(),
        )
        if args.json:
            print(json.dumps(summary, indent=2), flush=True)
        else:
            print(report.render(summary, found, keep=args.keep), flush=True)
        if args.keep and explore(workdir, db_url, s3.endpoint, monitor, sup) != 0:
            _say(f"the supervisor exited with code {sup.exit_code} on SIGTERM, not 0")
            return 1
        return 1 if found else 0


def _wait(
    monitor: Monitor,
    sup: SupervisorProcess,
    expected: dict[str, int],
    deadline: float,
    timeout: float,
) -> str | None:
    """None once every job is final; otherwise why waiting stopped."""
    while not monitor.snapshot().finished(expected):
        if not sup.alive:
            return "the supervisor exited unexpectedly"
        if monitor.error is not None:
            return f"lost the monitoring connection: {monitor.error}"
        if time.monotonic() > deadline:
            return f"timed out: not every job finished within --timeout {timeout:g} s"
        time.sleep(0.1)
    return None
