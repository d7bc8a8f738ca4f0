"""The systems compared, the bench's own session name and the peers' worker settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
