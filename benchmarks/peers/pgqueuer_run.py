"""pgqueuer through its own API: installer, one batch enqueue, and a worker like `pgq run`'s."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

import psycopg

from benchmarks.peers.settings import PeerSettings


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
