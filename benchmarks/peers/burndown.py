"""A peer's run: setup not timed, then its worker's burn-down timed on the server's clock, so
no client-side buffer can end the clock early."""

from __future__ import annotations

import asyncio
import signal
import time

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from benchmarks.peers.plan import Run
from benchmarks.peers.result import Result, raise_sampler_error
from benchmarks.peers.settings import APP_PREFIX, POLL, SETUP_NAME
from benchmarks.peers.specs import PEER_SPECS, Peer
from benchmarks.peers.worker import WorkerProcess
from supervisor.benchmark.progress import Progress, say
from supervisor.benchmark.resources import ConnectionSampler
from supervisor.benchmark.target import Target


def database_url(url: str, dbname: str) -> str:
    """The same server, another database."""
    params = conninfo_to_dict(url)
    params["dbname"] = dbname
    return make_conninfo("", **params)


def create_database(target: Target, name: str) -> str:
    with target.connect(SETUP_NAME) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(target.url, name)


def run_peer(target: Target, run: Run, n: int, timeout: float) -> Result:
    """Setup (not timed), then the worker's burn-down timed on the server's clock."""
    peer = PEER_SPECS[run.system]
    url = create_database(target, run.database)
    setup_url = make_conninfo(url, application_name=SETUP_NAME)
    say(f"{run.label}: installing its schema and enqueuing {n:,} jobs in bulk")
    asyncio.run(peer.setup(setup_url, n))
    with psycopg.connect(setup_url, autocommit=True) as conn:
        for table in peer.tables:
            conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
        row = conn.execute(peer.remaining_sql).fetchone()
        assert row is not None
        queued = row[0]
        if queued != n:
            raise RuntimeError(f"{run.label}: {queued} jobs queued, expected {n}")
        result = Result(run.label, n, settings=run.described())
        name = f"{APP_PREFIX}{peer.name}"
        with ConnectionSampler(url, name) as sampler:
            worker = WorkerProcess(peer, make_conninfo(url, application_name=name), run.settings)
            try:
                worker.wait_ready()
                say(f"{run.label} burn-down: {n:,} jobs")
                row = conn.execute("SELECT clock_timestamp()").fetchone()
                assert row is not None
                started = row[0]
                worker.go()
                left = wait_done(conn, run.label, peer, worker, n, timeout)
                code = worker.stop()
            finally:
                worker.close()
        raise_sampler_error(sampler)
        result.peak_connections = sampler.peak
        done = conn.execute(peer.done_sql).fetchone()
        assert done is not None
        result.completed, last = done
    if code not in (0, -signal.SIGTERM):
        say(f"{run.label}: the worker exited with {code}")
    if not left and result.completed == n:
        result.seconds = (last - started).total_seconds()
        result.jobs_per_s = n / result.seconds
    return result


def wait_done(conn: psycopg.Connection, label: str, peer: Peer, worker: WorkerProcess, n: int,
              timeout: float) -> int:  # fmt: skip
    """Poll the peer's table (4/s, as the supervisor's burn-down does) until no job is left;
    returns how many are still left at the timeout or when the worker died."""
    progress = Progress(f"{label} burn-down", n)
    deadline = time.monotonic() + timeout
    while True:
        row = conn.execute(peer.remaining_sql).fetchone()
        assert row is not None
        left: int = row[0]
        progress.update(n - left)
        if left == 0 or time.monotonic() > deadline or not worker.alive():
            progress.close(n - left)
            if left and not worker.alive():
                say(f"{label}: the worker died:\n{worker.log_tail()}")
            return left
        time.sleep(POLL)
