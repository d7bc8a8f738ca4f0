"""procrastinate through its own API: schema, batch defer, and `procrastinate worker`'s loop."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.peers.settings import PeerSettings


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
