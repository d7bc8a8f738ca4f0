"""Burn-down through the supervisor: N noop jobs inserted in one transaction with River's
NOTIFY, worked by the bench child, timed from the insert's commit to the last completion."""

from __future__ import annotations

from typing import Any

from supervisor.benchmark import jobs
from supervisor.benchmark.progress import Progress
from supervisor.benchmark.target import Target


def warm_up(target: Target) -> None:
    """One job end to end, so the child is running and the pool's sessions are open."""
    with target.connect("civic-bench-insert") as conn:
        jobs.insert_bulk(target, conn, 1, notify=True)
        if jobs.wait_done(target, conn, 1, Progress("warm-up", 1), timeout=30):
            raise RuntimeError("the bench child did not complete a warm-up job within 30 s")


def run(target: Target, n: int, timeout: float) -> dict[str, Any]:
    target.reset()
    with target.connect("civic-bench-insert") as conn:
        committed = jobs.insert_bulk(target, conn, n, notify=True)
        left = jobs.wait_done(target, conn, n, Progress("supervisor burn-down", n), timeout)
        done = jobs.completed(target, conn)
        if left:
            return {"jobs": n, "completed": done, "seconds": None, "jobs_per_s": None}
        seconds = (jobs.last_finalized(target, conn) - committed).total_seconds()
    return {"jobs": n, "completed": done, "seconds": seconds, "jobs_per_s": n / seconds}
