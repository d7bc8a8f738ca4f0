"""Runs jobs on worker threads and turns each result into an outcome for the parent.

Python cannot kill a thread, so a job past its deadline is reported as timed out at once
(its row goes back to River's retry path) while its thread keeps its slot; the heartbeat
tells the parent how many such threads are stuck, and the parent recycles the child.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from proxy.client import RpcClient
from workers.errors import JobCancel, JobSnooze
from workers.job import Handler, Job, JobContext

_current = threading.local()
"""The job a worker thread is running, for log records."""


def current_job() -> Job | None:
    return getattr(_current, "job", None)


@dataclass
class Running:
    job: Job
    ctx: JobContext
    reported: bool = False
    timed_out_at: float | None = None


@dataclass
class Executor:
    rpc: RpcClient
    handlers: dict[str, Handler]
    settings: dict[str, Any]
    max_workers: int
    job_timeout: float
    child: str
    outbox: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    running: dict[int, Running] = field(default_factory=dict)
    cond: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix=self.child)
        self.log = logging.getLogger(f"civic.worker.{self.child}")

    def free_slots(self) -> int:
        return self.max_workers - len(self.running)

    def stuck(self, grace: float) -> int:
        now = time.monotonic()
        return sum(
            1
            for r in list(self.running.values())
            if r.timed_out_at and now - r.timed_out_at > grace
        )

    def submit(self, raw: dict[str, Any]) -> None:
        job = Job(**{k: raw[k] for k in Job.__dataclass_fields__ if k in raw})
        timeout = self.job_timeout if self.job_timeout > 0 else 10.0**9
        ctx = JobContext(
            job=job, settings=self.settings, deadline=time.monotonic() + timeout,
            cancelled=threading.Event(), log=self.log,
            _query=lambda name, params: self.rpc.call("query", name=name, params=params)["rows"],
        )  # fmt: skip
        with self.cond:
            self.running[job.id] = Running(job, ctx)
        self._pool.submit(self._run, job.id)

    def _run(self, job_id: int) -> None:
        entry = self.running[job_id]
        job, ctx = entry.job, entry.ctx
        _current.job = job
        try:
            outcome = self._call(job, ctx)
        finally:
            _current.job = None
            with self.cond:
                self.running.pop(job_id, None)
                if not entry.reported:
                    entry.reported = True
                    self.outbox.put(outcome)
                self.cond.notify_all()

    def _call(self, job: Job, ctx: JobContext) -> dict[str, Any]:
        base = {"job_id": job.id, "attempt": job.attempt}
        handler = self.handlers.get(job.kind)
        if handler is None:
            known = ", ".join(sorted(self.handlers))
            error = f"UnknownJobKindError: job kind {job.kind!r} is not registered (known: {known})"
            return {**base, "result": "error", "error": error}
        try:
            handler(job, ctx)
        except JobCancel as exc:
            return {
                **base,
                "result": "cancel",
                "error": str(exc) or "JobCancel",
                "writes": _writes(ctx),
            }
        except JobSnooze as exc:
            return {**base, "result": "snooze", "snooze": exc.seconds, "writes": _writes(ctx)}
        except Exception as exc:  # noqa: BLE001 - an ordinary error means retry
            return {**base, "result": "error", "error": _text(exc), "trace": traceback.format_exc()}
        return {**base, "result": "completed", "writes": _writes(ctx)}

    def expire(self) -> None:
        """Report jobs past their deadline as timed out; their threads keep running."""
        now = time.monotonic()
        with self.cond:
            for entry in self.running.values():
                if entry.reported or now < entry.ctx.deadline:
                    continue
                entry.reported = True
                entry.timed_out_at = now
                entry.ctx.cancelled.set()
                error = f"JobTimeout: job exceeded its deadline of {self.job_timeout:g}s"
                self.outbox.put({"job_id": entry.job.id, "attempt": entry.job.attempt,
                                 "result": "error", "error": error})  # fmt: skip

    def cancel(self, job_id: int) -> None:
        entry = self.running.get(job_id)
        if entry is not None:
            entry.ctx.cancelled.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: not self.running, timeout)


def _text(exc: BaseException) -> str:
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _writes(ctx: JobContext) -> list[dict[str, Any]]:
    return [{"name": name, "params": params} for name, params in ctx.writes]
