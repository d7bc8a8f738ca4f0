"""The rows of the table: each system with one configuration, in the order asked for."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from typing import Any

from benchmarks.peers.settings import PeerSettings


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
        described: dict[str, Any] = getattr(self.settings, self.system)()
        return described


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
