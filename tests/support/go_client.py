"""A stand-in for a Go River client (Civic OS's payment worker) sharing the schema, as a process.

    python tests/support/go_client.py URL --queue go_default --journal PATH [--id ID] [--workers 3]

It does only what River Go does to `river_job`, with River's SQL: its id is River's default for a host named `civic-*` (no
colon, so civic-supervisors must never take it for one of theirs); it claims with
JobGetAvailable and completes with JobSetStateIfRunningMany, which checks the state but not
the attempt, so a late completion of a job someone else re-ran finalizes that other run, as a
real Go client's would. It holds no advisory lock and writes no heartbeat: a killed one leaves
its jobs `running` until River's rescuer takes them after `rescue_after`.

Each run appends JSON lines to the journal ({id, attempt, client, event, t}): `start`,
`alive` every 100 ms, `end` when the work is done, `done` once the completion returned; so
a test sees whether two runs of a job overlapped and whether a finished one ran again.
SIGTERM is River's soft stop: no more claims, in-flight jobs finish, exit 0.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

HOST = "civic-os-worker-7d9f8-x2k4q"
"""A pod of a Deployment named `civic-os-worker`: the host that once fooled the prefix test."""

CLAIM = """
WITH locked_jobs AS (
    SELECT * FROM "metadata".river_job
    WHERE state = 'available' AND queue = %(queue)s::text AND scheduled_at <= now()
    ORDER BY priority ASC, scheduled_at ASC, id ASC
    LIMIT %(max_to_lock)s::integer
    FOR UPDATE SKIP LOCKED
)
UPDATE "metadata".river_job SET
    state = 'running',
    attempt = river_job.attempt + 1,
    attempted_at = now(),
    attempted_by = array_append(
        CASE WHEN array_length(river_job.attempted_by, 1) >= %(max_attempted_by)s::int
             THEN river_job.attempted_by[array_length(river_job.attempted_by, 1)
                                         + 2 - %(max_attempted_by)s::int:]
             ELSE river_job.attempted_by END,
        %(attempted_by)s::text)
FROM locked_jobs WHERE river_job.id = locked_jobs.id
RETURNING river_job.id, river_job.attempt, river_job.args
"""
"""River's JobGetAvailable ([R26] dbsqlc/river_job.sql:200-237)."""

COMPLETE = """
WITH job_input AS (
    SELECT unnest(%(ids)s::bigint[]) AS id, unnest(%(state)s::text[]) AS state
),
job_to_update AS (
    SELECT river_job.id, job_input.state::"metadata".river_job_state AS state
    FROM "metadata".river_job JOIN job_input ON river_job.id = job_input.id
    WHERE river_job.state = 'running'
    FOR UPDATE
)
UPDATE "metadata".river_job SET state = job_to_update.state, finalized_at = now()
FROM job_to_update WHERE river_job.id = job_to_update.id AND river_job.state = 'running'
RETURNING river_job.id
"""
"""River's JobSetStateIfRunningMany for a completion ([R26] dbsqlc/river_job.sql:620-690):
running rows only, and no attempt check (ours checks it; River's does not)."""


def river_client_id(host: str = HOST, started: datetime | None = None) -> str:
    """River's defaultClientIDWithHost: host (≤60, dots to _) + `_YYYY_MM_DDTHH_MM_SS_micro`."""
    at = started or datetime.now(UTC)
    return host[:60].replace(".", "_") + "_" + at.strftime("%Y_%m_%dT%H_%M_%S_%f")


class Client:
    def __init__(self, url: str, queue: str, client_id: str, journal: Path, workers: int,
                 ms: float, poll: float, app: str) -> None:  # fmt: skip
        self.url, self.queue, self.id, self.journal = url, queue, client_id, journal
        self.workers, self.ms, self.poll, self.app = workers, ms, poll, app
        self.stopping = threading.Event()
        self.busy = 0
        self._lock = threading.Lock()
        self._done_conn: psycopg.Connection | None = None
        self._done_lock = threading.Lock()

    def _connect(self) -> psycopg.Connection:
        while True:
            try:
                return psycopg.connect(self.url, autocommit=True, application_name=self.app)
            except psycopg.OperationalError:
                time.sleep(0.1)

    def note(self, job_id: int, attempt: int, event: str) -> None:
        line = json.dumps({"id": job_id, "attempt": attempt, "client": self.id, "event": event,
                           "pid": os.getpid(), "t": time.time()})  # fmt: skip
        fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)

    def run(self) -> None:
        conn = self._connect()
        with ThreadPoolExecutor(self.workers) as pool:
            while not self.stopping.wait(self.poll):
                with self._lock:
                    free = self.workers - self.busy
                if not free:
                    continue
                try:
                    rows = conn.execute(CLAIM, {"queue": self.queue, "max_to_lock": free,
                                                "max_attempted_by": 100,
                                                "attempted_by": self.id}).fetchall()  # fmt: skip
                except psycopg.OperationalError:  # a claim lost with its session rolled back
                    conn = self._connect()
                    continue
                with self._lock:
                    self.busy += len(rows)
                for job_id, attempt, args in rows:
                    pool.submit(self.work, job_id, attempt, args or {})
        conn.close()

    def work(self, job_id: int, attempt: int, args: dict[str, Any]) -> None:
        try:
            self.note(job_id, attempt, "start")
            end = time.monotonic() + float(args.get("ms", self.ms)) / 1000
            while (left := end - time.monotonic()) > 0:
                time.sleep(min(0.1, left))
                self.note(job_id, attempt, "alive")
            self.note(job_id, attempt, "end")
            self.complete(job_id)
            self.note(job_id, attempt, "done")
        finally:
            with self._lock:
                self.busy -= 1

    def complete(self, job_id: int) -> None:
        """River's completer retries a batch; this one retries until its statement returns."""
        with self._done_lock:
            while True:
                if self._done_conn is None or self._done_conn.closed:
                    self._done_conn = self._connect()
                try:
                    self._done_conn.execute(COMPLETE, {"ids": [job_id], "state": ["completed"]})
                    return
                except psycopg.OperationalError:
                    self._done_conn = None
                    time.sleep(0.05)


def spawn(url: str, journal: Path, *, queue: str = "go_default", client_id: str | None = None,
          workers: int = 3, ms: float = 200, poll: float = 0.1,
          app: str = "go-river-client") -> tuple[subprocess.Popen[bytes], str]:  # fmt: skip
    """Start one incarnation (a new River id each time, as each Go client start gets)."""
    cid = client_id or river_client_id()
    argv = [sys.executable, __file__, url, "--queue", queue, "--journal", str(journal),
            "--id", cid, "--workers", str(workers), "--ms", str(ms), "--poll", str(poll),
            "--app", app]  # fmt: skip
    return subprocess.Popen(argv), cid


def journal_runs(path: Path) -> dict[tuple[int, int], dict[str, Any]]:
    """(job id, attempt) -> {client, events, start, last} from a journal; {} if none."""
    runs: dict[tuple[int, int], dict[str, Any]] = defaultdict(lambda: {"events": set()})
    if path.exists():
        for line in path.read_text().splitlines():
            if not line.strip():
                continue  # a line torn by a SIGKILL mid-write is never empty but may be short
            try:
                note = json.loads(line)
            except ValueError:
                continue
            run = runs[(note["id"], note["attempt"])]
            run["events"].add(note["event"])
            run.setdefault("client", note.get("client", ""))
            run.setdefault("start", note["t"])
            run["last"] = note["t"]
    return dict(runs)


def go_problems(jobs: list[dict[str, Any]], runs: dict[tuple[int, int], dict[str, Any]],
                killed: set[str]) -> list[str]:  # fmt: skip
    """What went wrong with a Go client's jobs, as sentences: a job still `running`, one a
    civic-supervisor's dead-client path returned (never: a Go client holds no lock to lose)
    or claimed, two runs of a job at once, or a run after one that completed; the only re-run allowed is
    of a job whose run never finished completing, by a client that was killed, after River's
    rescuer put it back."""
    problems = []
    by_job: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for (job_id, _), run in sorted(runs.items()):
        by_job[job_id].append(run)
    for j in jobs:
        errors = [e.get("error") or "" for e in j.get("errors") or []]
        if j["state"] == "running":
            problems.append(f"Go job {j['id']} still running (attempt {j['attempt']})")
        if any(e.startswith("civic-supervisor") and "died" in e for e in errors):
            problems.append(f"Go job {j['id']} taken by a civic-supervisor's dead-client path")
        if any(c.startswith("civic:") for c in j.get("attempted_by") or []):
            problems.append(f"Go job {j['id']} claimed by a civic-supervisor")
        mine = by_job.get(j["id"], [])
        for prev, run in itertools.pairwise(mine):
            if prev["last"] >= run["start"]:
                problems.append(f"Go job {j['id']}: two runs at once ({prev['client']}, "
                                f"{run['client']})")  # fmt: skip
            if "done" in prev["events"]:
                problems.append(f"Go job {j['id']} ran again after completing")
            elif prev["client"] not in killed:
                problems.append(f"Go job {j['id']} re-run, its client {prev['client']} alive")
        rescued = sum(e == "Stuck job rescued by JobRescuer" for e in errors)
        if len(mine) - 1 > rescued:
            problems.append(f"Go job {j['id']} ran {len(mine)} times, rescued {rescued} times")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url")
    parser.add_argument("--queue", default="go_default")
    parser.add_argument("--journal", type=Path, required=True)
    parser.add_argument("--id", default="", help="River client id (default: River's, now)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--ms", type=float, default=200, help="work per job unless args.ms")
    parser.add_argument("--poll", type=float, default=0.1, help="FetchPollInterval, seconds")
    parser.add_argument("--app", default="go-river-client", help="application_name")
    a = parser.parse_args(argv)
    client = Client(a.url, a.queue, a.id or river_client_id(), a.journal, a.workers, a.ms,
                    a.poll, a.app)  # fmt: skip
    signal.signal(signal.SIGTERM, lambda *_: client.stopping.set())
    client.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
