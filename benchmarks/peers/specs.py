"""What the bench needs to know of each peer, so the burn-down and the worker stay generic."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from benchmarks.peers.pgqueuer_run import pgqueuer_setup, pgqueuer_worker
from benchmarks.peers.procrastinate_run import procrastinate_setup, procrastinate_worker
from benchmarks.peers.settings import PeerSettings


@dataclass(frozen=True)
class Peer:
    """What the bench needs to know of a peer: its setup, its worker and how to count it."""

    name: str
    setup: Callable[[str, int], Coroutine[Any, Any, None]]
    worker: Callable[[str, PeerSettings, Callable[[], Awaitable[None]]], Coroutine[Any, Any, None]]
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
