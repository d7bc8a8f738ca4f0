"""The fault-injection soak: `run_soak()` for tests, and a command for long runs.

    python -m tests.soak.run --minutes 10          # or: --seconds 600

Two real supervisors (all three children each, 4 sessions each) and a Go-style River client
on a queue of its own (soak_go) serve one Civic OS database while the producers insert
through the Civic OS triggers and with River-style NOTIFY inserts, and the injector kills
children, supervisors and the Go client, terminates every backend and cuts S3 and SMTP
(soak_faults). Then the system settles and every row, job, email and connection sample
is checked (soak_check, soak_mail). The report is printed; with `--out` (default: a temp dir)
it is also written there as report.txt and report.json, with every supervisor's log.
Exit status 0 only when no invariant was broken.
"""

from __future__ import annotations

import argparse
import logging
import random
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import NoReturn

import psycopg

from tests.soak.check import (
    check_go,
    check_jobs,
    check_rows,
    duplicated_effects,
    lost_jobs,
    settle,
    snapshot,
)
from tests.soak.env import Services, civic_database, drop_database, services
from tests.soak.faults import Injector, plan
from tests.soak.fleet import MAX_CONNS, Fleet
from tests.soak.go import APP, QUEUE, RIVER_RESCUE, GoWorker
from tests.soak.mail import check_mail
from tests.soak.monitor import Monitor
from tests.soak.report import TARGETS, SoakReport
from tests.soak.workload import Producer, prepare
from tests.support.go_client import journal_runs
from tests.support.s3_server import browser_put


def run_soak(
    seconds: float, admin_url: str, seed: int, out: Path, drain: float = 20.0
) -> SoakReport:
    """Faults and traffic for `seconds`, then settle (bounded), drain for up to `drain` s and
    check; never raises on a broken invariant, it is in `report.problems`."""
    started = time.monotonic()
    report = SoakReport(seconds, seed)
    with services() as svc:
        url = civic_database(admin_url)
        with psycopg.connect(url, autocommit=True) as db:
            users = prepare(db)
        monitor = Monitor(url, MAX_CONNS)
        monitor.start()
        fleet = Fleet(url, {**svc.worker_config(), **RIVER_RESCUE})
        go = GoWorker(url, out / "go-journal.jsonl")
        try:
            for slot in ("a", "b"):
                fleet.start(slot)
            go.start()
            producer = Producer(url, svc.s3_client, users, seed)
            injector = Injector(plan(seconds, seed), fleet, svc, monitor, url, seed, go)
            producer.start()
            injector.start()
            time.sleep(seconds)
            producer.stop()
            injector.stop()
            report.settle, report.drained, left = settle(url, max(60.0, seconds / 4), drain)
            _wait_probes(monitor, 30)
            report.problems += [f"supervisor {c}" for c in fleet.crashed()]
            report.problems += [c for c in [go.crashed()] if c]
            _check(report, url, svc, producer, injector, left, go)
        finally:
            codes = fleet.stop()
            codes[APP] = go.stop()
            monitor.stop()
            _save_logs(fleet, out)
        report.problems += [f"{app} stopped with {c}" for app, c in codes.items() if c != 0]
        report.problems += [f"orphan child of a killed supervisor: {o}" for o in fleet.orphans]
        _budget(report, monitor)
        if not report.problems:  # a failed run keeps its database for inspection
            drop_database(admin_url, url)
    report.wall = time.monotonic() - started
    (out / "report.txt").write_text(report.text() + "\n")
    (out / "report.json").write_text(report.to_json())
    return report


def _check(report: SoakReport, url: str, svc: Services, producer: Producer,
           injector: Injector, left: list, go: GoWorker) -> None:  # fmt: skip
    snap = snapshot(url)
    runs = journal_runs(go.journal)
    go_jobs = [j for js in snap.jobs.values() for j in js if j["queue"] == QUEUE]
    report.go = Counter(jobs=len(go_jobs), runs=len(runs), incarnations=len(go.ids),
                        rescued=sum(bool(j["errors"]) for j in go_jobs))  # fmt: skip
    report.problems += check_go(snap, runs, go.killed)
    jobs = [j for js in snap.jobs.values() for j in js]
    report.states = snap.states
    report.attempts = sum(j["attempt"] for j in jobs)
    report.errors = sum(len(j["errors"] or []) for j in jobs)
    report.cancelled = Counter(
        f"{j['state']}: {_DIGITS.sub('#', j['errors'][-1].get('error') or '')[:70]}"
        for j in jobs
        if j["state"] in ("cancelled", "discarded") and j["errors"]
    )
    report.producer = Counter({k: len(v) for k, v in producer.acked.items()})
    report.producer["not committed (session killed)"] = producer.in_doubt_lost
    report.faults = injector.faults
    report.lost = lost_jobs(snap, producer.acked, left)
    report.duplicated_effects = duplicated_effects(snap)
    report.mail = check_mail(svc.mail.snapshot(), snap, injector.faults)
    report.problems += [f"producer died: {producer.error}"] if producer.error else []
    report.problems += injector.errors + report.lost + report.duplicated_effects
    report.problems += check_jobs(snap) + check_rows(snap, svc.s3_client, producer.acked,
                                                     producer.poison)  # fmt: skip
    report.problems += report.mail.problems
    report.problems += _presigned_urls_work(snap.uploads)


_DIGITS = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d{2,}")


def _presigned_urls_work(uploads: list[dict]) -> list[str]:
    """A few completed uploads, PUT as a browser would: the URL must be valid (SigV4)."""
    done = [r for r in uploads if r["status"] == "completed"][:3]
    return [f"presigned URL of upload {r['id']} refused: {code}" for r in done
            if (code := browser_put(r["presigned_url"], b"x", {"x-amz-acl": "public-read"})) != 200]  # fmt: skip


def _wait_probes(monitor: Monitor, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while monitor.pending() and time.monotonic() < deadline:
        time.sleep(0.2)


def _budget(report: SoakReport, monitor: Monitor) -> None:
    report.probes, report.peaks = monitor.probes, monitor.peaks
    report.samples, report.over_budget = monitor.samples, monitor.over
    report.problems += [f"{n} sessions of {app} at {t:.3f}" for t, app, n in monitor.over]
    expected = report.seconds * 5  # at least one sample per 200 ms despite the noise
    if monitor.samples < expected:
        report.problems.append(f"only {monitor.samples} connection samples (< {expected:.0f})")
    for p in monitor.probes:
        if p.recovered is None and not p.void:
            report.problems.append(f"{p.kind} of {p.label}: never recovered")
    for p in monitor.probes:
        if p.kind == "supervisor_kill" and (p.recovered or 0) > TARGETS[p.kind]:
            report.problems.append(f"{p.label}: jobs recovered after {p.recovered:.1f} s")


def _save_logs(fleet: Fleet, out: Path) -> None:
    for sup in fleet.history:
        (out / f"{sup.app}.log").write_text(sup.log)


def _interrupted(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.soak.run", description=__doc__.split("\n")[0]
    )
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=float, help="length of the faults and traffic (10)")
    length.add_argument("--seconds", type=float, help="the same, in seconds")
    parser.add_argument("--seed", type=int, default=random.randrange(1 << 16))
    parser.add_argument("--out", type=Path, help="directory for the report and logs")
    parser.add_argument("--drain", type=float, default=120.0,
                        help="seconds to wait for retries still due after settling")  # fmt: skip
    args = parser.parse_args(argv)
    seconds = args.seconds or (args.minutes or 10) * 60
    out = args.out or Path(tempfile.mkdtemp(prefix="civic-soak-"))
    out.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _interrupted)  # clean up the supervisors and servers too
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("soak").setLevel(logging.INFO)
    from supervisor.embedded_pg import EmbeddedPostgres

    with EmbeddedPostgres(max_connections=100) as pg:
        report = run_soak(seconds, pg.url(), args.seed, out, args.drain)
    print(report.text())
    print(f"report and logs: {out}")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
