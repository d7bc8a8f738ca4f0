"""civic-supervisor against pgqueuer and procrastinate: the same burn-down of N no-op jobs.

    python benchmarks/peers.py [--jobs 100000] [--json]

One embedded PostgreSQL (`supervisor.benchmark.target.embedded`, fsync and synchronous_commit
off) serves all three, one after the other, each in a database of its own so the schemas
never meet:

1. civic-supervisor: `civic-supervisor bench`'s own burn-down (`supervisor.benchmark.runs.
   bench_child` with `burndown`): the real supervisor, the bench child, a budget of 4
   connections; N jobs inserted in one statement with one NOTIFY once the child is warm.
2. pgqueuer, async `PsycopgDriver`: schema from its installer (`Queries.install`), N jobs from
   one batch `Queries.enqueue`, then a worker process with a no-op entrypoint.
3. procrastinate, `PsycopgConnector`: schema from `SchemaManager.apply_schema_async`, N jobs
   from `Task.batch_defer_async`, then a worker process with a no-op async task.

For the peers the jobs are queued before the clock starts. Each worker process imports its
library, connects and registers its handler, says `ready`, and waits; the clock starts at the
server's `clock_timestamp()` just before it is told `go`, and stops at the last completion the
peer itself wrote to the database (pgqueuer: `pgqueuer_log.created`; procrastinate:
`procrastinate_events.at`), so the supervisor's warm start and the peers' are alike and no
client-side buffer can end the clock early. Connections are `pg_stat_activity` sessions by
application_name, sampled every 10 ms by a session of their own (`ConnectionSampler`), over the
whole life of each system's processes. Peers are benchmark-only: nothing under supervisor/,
proxy/ or workers/ imports them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from supervisor.benchmark.command import guarded
from supervisor.benchmark.progress import Progress, say
from supervisor.benchmark.resources import ConnectionSampler
from supervisor.benchmark.target import Target

SYSTEMS = ("civic-supervisor", "pgqueuer", "procrastinate")
PEERS = SYSTEMS[1:]
APP_PREFIX = "peer-"
"""application_name of every peer session: `peer-pgqueuer`, `peer-procrastinate`."""
SETUP_NAME = "civic-bench-setup"
"""Sessions of the bench itself (install, enqueue, counting): never counted as a system's."""
PGQ_MANAGERS = (1, 4)
POLL = 0.25
STOP_TIMEOUT = 30.0


@dataclass(frozen=True)
class PeerSettings:
    """Worker settings of the peers; each field is a command-line option (see `parser`).

    pgqueuer: `batch_size` jobs per dequeue statement (its default is 10; its tuning guide says
    raise it for jobs well under a second), `max_concurrent_tasks` caps the jobs held by one
    worker (must be >= 2 x batch; without it the worker keeps dequeuing while any job is
    queued), `managers` QueueManagers in the one process, each on its own connection (the
    PsycopgDriver wraps exactly one AsyncConnection; pgqueuer's own drain benchmark runs 5).
    procrastinate: `concurrency` sub-workers of one worker (its docs' example is 30), on a
    psycopg pool of `pool` connections (psycopg_pool's default 4) plus its LISTEN session.
    """

    pgq_batch: int = 100
    pgq_max_tasks: int = 1000
    pgq_managers: int = 1
    proc_concurrency: int = 30
    proc_pool: int = 4

    def pgqueuer(self) -> dict[str, Any]:
        return {"driver": "PsycopgDriver (async psycopg, 1 connection per QueueManager)",
                "queue_managers": self.pgq_managers, "batch_size": self.pgq_batch,
                "max_concurrent_tasks": self.pgq_max_tasks, "durability": "durable (default)",
                "event_loop": "uvloop (as `pgq run`)"}  # fmt: skip

    def procrastinate(self) -> dict[str, Any]:
        return {"connector": "PsycopgConnector (psycopg_pool)", "concurrency": self.proc_concurrency,
                "pool_min_max": self.proc_pool, "listen_notify": True, "delete_jobs": "never (default)",
                "event_loop": "asyncio (as `procrastinate worker`)"}  # fmt: skip


# --- the peers' own APIs: schema, bulk enqueue, worker --------------------------------------


async def pgqueuer_setup(conninfo: str, n: int) -> None:
    """pgqueuer's installer, then every job in one batch enqueue (one statement over arrays)."""
    from pgqueuer import PsycopgDriver, Queries

    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        queries = Queries(PsycopgDriver(conn))
        await queries.install()
        await queries.enqueue(["noop"] * n, [None] * n, [0] * n)


async def pgqueuer_worker(
    conninfo: str, s: PeerSettings, ready: Callable[[], Awaitable[None]]
) -> None:
    """What `pgq run` runs, minus the SchedulerManager (no schedules here): QueueManagers with
    one no-op entrypoint, each on its own connection, until SIGTERM."""
    from pgqueuer import PsycopgDriver, Queries, QueueManager
    from pgqueuer.models import Job

    conns = [
        await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
        for _ in range(s.pgq_managers)
    ]
    managers = [QueueManager(Queries(PsycopgDriver(conn))) for conn in conns]
    for qm in managers:

        @qm.entrypoint("noop")
        async def noop(job: Job) -> None:
            return None

    def stop() -> None:
        for qm in managers:
            qm.shutdown.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    await ready()
    try:
        await asyncio.gather(
            *(
                qm.run(batch_size=s.pgq_batch, max_concurrent_tasks=s.pgq_max_tasks)
                for qm in managers
            )
        )
    finally:
        for conn in conns:
            await conn.close()


def procrastinate_app(conninfo: str, s: PeerSettings) -> Any:
    """The App both the setup and the worker use: one async no-op task on queue `bench`."""
    import procrastinate

    # The task is registered under an explicit name, so the worker never needs this module's
    # import path: the "App is instantiated in the main Python module" warning does not apply.
    logging.getLogger("procrastinate.blueprints").addFilter(
        lambda record: "instantiated in the main" not in record.getMessage()
    )
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=conninfo, min_size=s.proc_pool, max_size=s.proc_pool
        )
    )

    @app.task(name="noop", queue="bench")
    async def noop() -> None:
        return None

    return app


async def procrastinate_setup(conninfo: str, n: int) -> None:
    """procrastinate's schema, then every job through `batch_defer_async` in chunks of 10,000."""
    app = procrastinate_app(conninfo, PeerSettings(proc_pool=1))
    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        task = app.tasks["noop"]
        for start in range(0, n, 10_000):
            await task.batch_defer_async(*({} for _ in range(min(10_000, n - start))))


async def procrastinate_worker(
    conninfo: str, s: PeerSettings, ready: Callable[[], Awaitable[None]]
) -> None:
    """`procrastinate worker` without the CLI; it stops gracefully on SIGTERM by itself."""
    app = procrastinate_app(conninfo, s)
    async with app.open_async():
        await ready()
        await app.run_worker_async(queues=["bench"], concurrency=s.proc_concurrency)


@dataclass(frozen=True)
class Peer:
    """What the bench needs to know of a peer: its setup, its worker and how to count it."""

    name: str
    setup: Callable[[str, int], Awaitable[None]]
    worker: Callable[[str, PeerSettings, Callable[[], Awaitable[None]]], Awaitable[None]]
    remaining_sql: str
    """Jobs not yet final."""
    done_sql: str
    """(jobs completed successfully, server time of the last completion)."""
    tables: tuple[str, ...]
    use_uvloop: bool


PEER_SPECS = {
    "pgqueuer": Peer(
        "pgqueuer", pgqueuer_setup, pgqueuer_worker,
        "SELECT count(*) FROM pgqueuer",
        "SELECT count(*), max(created) FROM pgqueuer_log WHERE status = 'successful'",
        ("pgqueuer",), use_uvloop=True,
    ),
    "procrastinate": Peer(
        "procrastinate", procrastinate_setup, procrastinate_worker,
        "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')",
        "SELECT (SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'),"
        " (SELECT max(at) FROM procrastinate_events WHERE type = 'succeeded')",
        ("procrastinate_jobs", "procrastinate_events"), use_uvloop=False,
    ),
}  # fmt: skip


# --- the worker process ------------------------------------------------------------------------


def worker_main(spec: str) -> int:
    """Inside the worker process: `ready` on stdout once set up, then run on `go` from stdin."""
    cfg = json.loads(spec)
    peer = PEER_SPECS[cfg["system"]]
    settings = PeerSettings(**cfg["settings"])
    handshake = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # anything else the libraries print goes to the log, never into the pipe

    async def ready() -> None:
        print("ready", file=handshake, flush=True)
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        if line.strip() != "go":
            raise SystemExit(1)

    coro = peer.worker(cfg["conninfo"], settings, ready)
    if peer.use_uvloop:
        import uvloop

        uvloop.run(coro)
    else:
        asyncio.run(coro)
    return 0


# --- the bench process -------------------------------------------------------------------------


@dataclass
class Result:
    system: str
    jobs: int
    completed: int = 0
    seconds: float | None = None
    jobs_per_s: float | None = None
    peak_connections: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    ratio: float | None = None
    """jobs/s of this system / jobs/s of civic-supervisor."""
    peak_during_burndown: int | None = None
    """civic-supervisor only: the peak from the warm-up's end to the last completion (the whole
    life, start and SIGTERM included, is `peak_connections`)."""
    rounds: list[float | None] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)


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


def run_civic(target: Target, n: int, max_workers: int, timeout: float) -> Result:
    """`civic-supervisor bench`'s burn-down, reused as is (no latency runs, no idle children)."""
    from supervisor.benchmark import burndown, latency
    from supervisor.benchmark.command import POLL as FETCH_POLL
    from supervisor.benchmark.runs import bench_child

    args = argparse.Namespace(jobs=n, timeout=timeout, max_workers=max_workers, latency_jobs=0)
    results: dict[str, Any] = {
        "settings": {"fetch_poll_interval_s": FETCH_POLL},
        "burndown": {}, "connections": {}, "memory": {}, "lifecycle": {},
    }  # fmt: skip
    with ConnectionSampler(target.url, target.application_name) as sampler:
        bench_child(target, args, results, sampler, burndown, latency)
    _raise_sampler_error(sampler)
    run = results["burndown"]["supervisor"]
    settings = {"child": "bench (noop)", "max_workers": max_workers,
                "max_conns": target.max_conns, "fetch_poll_interval_s": FETCH_POLL}  # fmt: skip
    during = results["connections"]["burndown_peak"]
    return Result("civic-supervisor", n, run["completed"], run["seconds"], run["jobs_per_s"],
                  sampler.peak, settings, peak_during_burndown=during)  # fmt: skip


def _raise_sampler_error(sampler: ConnectionSampler) -> None:
    if sampler.error is not None:
        raise RuntimeError(f"connection sampler failed: {sampler.error}")


class WorkerProcess:
    """A peer's worker in a process of its own, as it runs in production (and as the
    supervisor does), so the bench's polling and sampling never share its GIL."""

    def __init__(self, peer: Peer, conninfo: str, settings: PeerSettings) -> None:
        spec = json.dumps({"system": peer.name, "conninfo": conninfo,
                           "settings": settings.__dict__})  # fmt: skip
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by close()
            prefix=f"peer-{peer.name}-", suffix=".log"
        )
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", spec],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until the worker has imported, connected and registered its handler."""
        assert self.proc.stdout is not None
        readable, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if readable else ""  # "" also on exit (EOF)
        if line.strip() != "ready":
            self.stop(timeout)
            raise RuntimeError(f"the worker exited during start:\n{self.log_tail()}")

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM (both peers stop gracefully on it); SIGKILL after `timeout`."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def log_tail(self, lines: int = 20) -> str:
        text = Path(self.log.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def close(self) -> None:
        self.stop()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()
        self.log.close()


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
        queued = conn.execute(peer.remaining_sql).fetchone()[0]
        if queued != n:
            raise RuntimeError(f"{run.label}: {queued} jobs queued, expected {n}")
        result = Result(run.label, n, settings=run.described())
        name = f"{APP_PREFIX}{peer.name}"
        with ConnectionSampler(url, name) as sampler:
            worker = WorkerProcess(peer, make_conninfo(url, application_name=name), run.settings)
            try:
                worker.wait_ready()
                say(f"{run.label} burn-down: {n:,} jobs")
                started = conn.execute("SELECT clock_timestamp()").fetchone()[0]
                worker.go()
                left = wait_done(conn, run.label, peer, worker, n, timeout)
                code = worker.stop()
            finally:
                worker.close()
        _raise_sampler_error(sampler)
        result.peak_connections = sampler.peak
        result.completed, last = conn.execute(peer.done_sql).fetchone()
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
        left = conn.execute(peer.remaining_sql).fetchone()[0]
        progress.update(n - left)
        if left == 0 or time.monotonic() > deadline or not worker.alive():
            progress.close(n - left)
            if left and not worker.alive():
                say(f"{label}: the worker died:\n{worker.log_tail()}")
            return left
        time.sleep(POLL)


@dataclass(frozen=True)
class Run:
    """One row of the table: a system with one configuration."""

    system: str
    settings: PeerSettings

    @property
    def label(self) -> str:
        if self.system == "pgqueuer":
            m = self.settings.pgq_managers
            return f"pgqueuer ({m} QueueManager{'s' if m > 1 else ''})"
        return self.system

    @property
    def database(self) -> str:
        suffix = f"_{self.settings.pgq_managers}" if self.system == "pgqueuer" else ""
        return f"peer_{self.system}{suffix}"

    def described(self) -> dict[str, Any]:
        return getattr(self.settings, self.system)()


def plan(args: argparse.Namespace) -> list[Run]:
    """The rows in order: pgqueuer once per `--pgq-managers` value."""
    base = PeerSettings(pgq_batch=args.pgq_batch, pgq_max_tasks=args.pgq_max_tasks,
                        proc_concurrency=args.proc_concurrency, proc_pool=args.proc_pool)  # fmt: skip
    runs = []
    for system in args.systems:
        if system == "pgqueuer":
            runs += [Run(system, replace(base, pgq_managers=m)) for m in args.pgq_managers]
        else:
            runs.append(Run(system, base))
    return runs


def run_round(tgt: Target, runs: list[Run], args: argparse.Namespace) -> list[Result]:
    results = []
    for run in runs:
        if run.system == "civic-supervisor":
            say(f"civic-supervisor: {args.jobs:,} jobs through the bench child")
            results.append(run_civic(tgt, args.jobs, args.max_workers, args.timeout))
        else:
            results.append(run_peer(tgt, run, args.jobs, args.timeout))
    return results


def summarize(rounds: list[list[Result]]) -> list[Result]:
    """Per row: the median jobs/s over the rounds (all rounds kept), the highest peak."""
    summary = []
    for row in zip(*rounds, strict=True):
        rates = [r.jobs_per_s for r in row]
        first = row[0]
        done = all(rate is not None for rate in rates)
        rate = statistics.median(rates) if done else None
        summary.append(Result(
            first.system, first.jobs, min(r.completed for r in row),
            first.jobs / rate if rate else None, rate,
            max(r.peak_connections for r in row), first.settings,
            peak_during_burndown=None if first.peak_during_burndown is None
            else max(r.peak_during_burndown or 0 for r in row),
            rounds=[round(x, 1) if x else None for x in rates],
            peaks=[r.peak_connections for r in row],
        ))  # fmt: skip
    civic = next((r for r in summary if r.system == "civic-supervisor"), None)
    for r in summary:
        if civic and civic.jobs_per_s and r.jobs_per_s:
            r.ratio = r.jobs_per_s / civic.jobs_per_s
    return summary


TARGET = "civic-supervisor >= 1.0x pgqueuer jobs/s while using fewer connections"


def verdict(summary: list[Result]) -> dict[str, Any]:
    """The target against every pgqueuer configuration; it holds only if it holds against all."""
    civic = next((r for r in summary if r.system == "civic-supervisor"), None)
    rows = [r for r in summary if r.system.startswith("pgqueuer")]
    if not (civic and civic.jobs_per_s and rows and all(r.jobs_per_s for r in rows)):
        return {"target": TARGET, "holds": None, "against": []}
    against = []
    for r in rows:
        speed = civic.jobs_per_s / r.jobs_per_s
        fewer = civic.peak_connections < r.peak_connections
        against.append({"system": r.system, "civic_over_peer": speed, "faster": speed >= 1.0,
                        "fewer_connections": fewer, "holds": speed >= 1.0 and fewer})  # fmt: skip
    return {"target": TARGET, "holds": all(a["holds"] for a in against), "against": against}


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


def text_report(report: dict[str, Any]) -> str:
    rounds = report["rounds"]
    head = ["system", "jobs/s", "ratio vs civic-supervisor", "seconds", "peak connections"]
    rows = [head + (["rounds (jobs/s, peak)"] if rounds > 1 else [])]
    for r in report["results"]:
        rate = r["jobs_per_s"]
        rows.append([
            r["system"],
            f"{rate:,.0f}" if rate else f"failed ({r['completed']:,} done)",
            f"{r['ratio']:.2f}x" if r["ratio"] else "-",
            f"{r['seconds']:.2f}" if r["seconds"] else "-",
            str(r["peak_connections"]),
        ] + ([" ".join(f"{x:,.0f}/{peak}" if x else f"-/{peak}"
                       for x, peak in zip(r["rounds"], r["peaks"], strict=True))]
             if rounds > 1 else []))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    m = report["machine"]
    lines = [f"Burn-down of {report['jobs']:,} no-op jobs, median of {rounds} round(s); one "
             f"embedded PostgreSQL {m['postgres']} (fsync=off), {m['cpus']} CPUs, "
             f"Python {m['python']}"]  # fmt: skip
    lines += ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                        enumerate(zip(row, widths, strict=True))) for row in rows]  # fmt: skip
    lines += [f"{r['system']}: peak connections from the warm-up's end to the last completion: "
              f"{r['peak_during_burndown']}" for r in report["results"]
              if r["peak_during_burndown"] is not None]  # fmt: skip
    v = report["target"]
    if v["holds"] is None:
        lines.append(f"target: {v['target']}: not measured")
    else:
        lines.append(f"target: {v['target']}: holds {yes(v['holds'])}")
        lines += [f"  vs {a['system']}: civic-supervisor/pgqueuer = {a['civic_over_peer']:.2f}x "
                  f"(faster: {yes(a['faster'])}), fewer connections: "
                  f"{yes(a['fewer_connections'])}" for a in v["against"]]  # fmt: skip
    lines.append("settings:")
    lines += [f"  {r['system']}: " + ", ".join(f"{k}={val}" for k, val in r["settings"].items())
              for r in report["results"]]  # fmt: skip
    versions_ = ", ".join(f"{k} {val}" for k, val in m["versions"].items())
    lines.append(f"versions: {versions_}")
    return "\n".join(lines)


def run_all(args: argparse.Namespace) -> dict[str, Any]:
    from supervisor.benchmark.target import embedded

    runs = plan(args)
    rounds: list[list[Result]] = []
    with embedded(4) as tgt:
        with tgt.connect(SETUP_NAME) as conn:
            server = conn.execute("SHOW server_version").fetchone()[0]
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
        prog="python benchmarks/peers.py", description=__doc__.split("\n")[0]
    )
    p.add_argument("--jobs", type=int, default=100_000, help="burn-down jobs (default 100000)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--rounds", type=int, default=1,
                   help="run every system this many times, interleaved; report the median")  # fmt: skip
    p.add_argument("--systems", type=systems, default=list(SYSTEMS),
                   help="comma-separated subset, in order (default: all three)")  # fmt: skip
    p.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                   help="give up on a burn-down after this long (default 600)")  # fmt: skip
    p.add_argument("--max-workers", type=int, default=200,
                   help="threads of the supervisor's bench child (default 200, as `bench`)")  # fmt: skip
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
    code, report = guarded(lambda: run_all(args))
    if report is None:
        return code
    print(json.dumps(report, indent=2, default=str) if args.json else text_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
