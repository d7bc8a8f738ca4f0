"""Prometheus metrics of one supervisor, in a registry of its own (not the global one).

Counters and histograms are fed by the parent as outcomes are written; gauges are set from
the parent's state on its tick. Nothing here touches the database.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from supervisor.outcomes import Held

OUTCOME = {"completed": "completed", "error": "error", "cancel": "cancelled", "snooze": "snoozed"}
"""A child's result name -> the metric's outcome label."""
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


@dataclass(frozen=True)
class ChildInfo:
    name: str
    queue: str
    state: str
    pid: int | None
    restarts: int
    busy: int
    max_workers: int
    last_exit: str


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        p = "civic_supervisor_"
        self.jobs = Counter(p + "jobs", "Jobs finished, by queue, kind and outcome",
                            ["queue", "kind", "outcome"], registry=r)  # fmt: skip
        self.duration = Histogram(p + "job_duration_seconds", "Attempt start to outcome",
                                  ["queue", "kind"], buckets=BUCKETS, registry=r)  # fmt: skip
        self.depth = Gauge(p + "queue_jobs", "Jobs in river_job by queue and state",
                           ["queue", "state"], registry=r)  # fmt: skip
        self.child_up = Gauge(p + "child_up", "1 when the child is running", ["child"], registry=r)
        self.child_busy = Gauge(
            p + "child_busy_workers", "Busy worker threads", ["child"], registry=r
        )
        self.child_restarts = Gauge(
            p + "child_restarts", "Restarts since start", ["child"], registry=r
        )
        self.pool = Gauge(
            p + "db_pool_connections", "Pooled sessions by state", ["state"], registry=r
        )
        self.listener = Gauge(
            p + "listener_connected", "1 when the LISTEN session is up", registry=r
        )
        self.leader = Gauge(p + "leader", "1 while this supervisor is River's leader", registry=r)
        self.failures = Counter(
            p + "internal_failures", "Maintenance passes that failed and outcomes no statement "
            "could write, by service (each one logged)", ["service"], registry=r,
        )  # fmt: skip
        self._failures_seen: dict[str, int] = {}
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    def outcomes(self, jobs: Iterable[Held], result: str) -> None:
        """Jobs that ended with one result, counted per queue, kind and start (a claim)."""
        now, outcome = time.time(), OUTCOME.get(result, result)
        groups = collections.Counter((h.queue, h.kind, h.attempted_at) for h in jobs)
        for (queue, kind, at), n in groups.items():
            self.jobs_finished(queue, kind, outcome, now - at.timestamp(), n)

    def jobs_finished(self, queue: str, kind: str, outcome: str, seconds: float, n: int) -> None:
        """`n` jobs that took `seconds` each (a claim's jobs share their start, and a finish
        call their end): one label lookup and one increment per group, not per job."""
        key = (queue, kind, outcome)
        pair = self._children.get(key)
        if pair is None:
            pair = self._children[key] = (self.jobs.labels(*key), self.duration.labels(queue, kind))
        pair[0].inc(n)
        seconds = max(seconds, 0.0)
        for _ in range(n):
            pair[1].observe(seconds)

    def set_children(self, children: list[ChildInfo]) -> None:
        for c in children:
            self.child_up.labels(c.name).set(1 if c.state == "running" else 0)
            self.child_busy.labels(c.name).set(c.busy)
            self.child_restarts.labels(c.name).set(c.restarts)

    def set_queue_depth(self, rows: list[tuple[str, str, int]]) -> None:
        self.depth.clear()
        for queue, state, count in rows:
            self.depth.labels(queue, state).set(count)

    def set_pool(self, size: int, in_use: int, waiting: int) -> None:
        self.pool.labels("size").set(size)
        self.pool.labels("in_use").set(in_use)
        self.pool.labels("waiting").set(waiting)

    def count_failures(self, totals: dict[str, int]) -> None:
        """Totals kept by their services since start, turned into counter increments."""
        for service, total in totals.items():
            seen = self._failures_seen.get(service, 0)
            if total > seen:
                self.failures.labels(service).inc(total - seen)
                self._failures_seen[service] = total

    def set_flags(self, *, listener: bool, leader: bool) -> None:
        self.listener.set(1 if listener else 0)
        self.leader.set(1 if leader else 0)

    def render(self) -> bytes:
        return generate_latest(self.registry)
