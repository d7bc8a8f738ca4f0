"""Runs jobs on worker threads and turns each result into an outcome for the parent.

A job past its deadline has its cancel flag set, and its row stays `running` until the
handler returns, as River keeps it: reporting it at the deadline while the thread runs on
would let a retry run beside it. Whatever the handler then returns is recorded (a late
success completes, an error is recorded as the timeout). Python cannot kill a thread: the
heartbeat tells the parent how many threads are stuck past their grace, and the parent
recycles the child, recording the timeout as those jobs' error then.
A job cancelled remotely (River UI, JobCancel) that then raises ends `cancelled`, as River's
ErrJobCancelledRemotely makes it, at its last attempt too.

The per-job path is kept lean because a no-op job costs little else: job ids go to the
threads through one C `SimpleQueue` (no Future per job), outcomes collect in a list under the
executor's lock, and waiters are woken only when what they wait for can be true, not once per
finished job. Slots are reserved for fetches in flight, so claims never exceed free threads.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import orjson

from proxy import jobrow
from proxy.client import RpcClient
from proxy.framing import frame_json
from proxy.protocol import OutcomeMessage, Result, WriteMessage
from workers.errors import JobCancel, JobSnooze
from workers.job import CancelFlag, Handler, Job, JobContext

_current = threading.local()
"""The job a worker thread is running, for log records."""


def current_job() -> Job | None:
    return getattr(_current, "job", None)


@dataclass
class Running:
    job: Job
    ctx: JobContext
    timed_out_at: float | None = None
    cancelled_remotely: bool = False


@dataclass
class Executor:
    rpc: RpcClient
    handlers: dict[str, Handler]
    settings: dict[str, Any]
    max_workers: int
    job_timeout: float
    child: str
    running: dict[int, Running] = field(default_factory=dict)
    cond: threading.Condition = field(default_factory=threading.Condition)
    reserved: int = 0
    """Slots promised to fetches in flight: a claim never exceeds free minus reserved."""
    outcomes: list[OutcomeMessage] = field(default_factory=list)
    """Outcomes not yet taken by the reporter (guarded by `cond`)."""
    completed: list[tuple[int, int]] = field(default_factory=list)
    """Plain completions (id, attempt) not yet taken, kept apart: the bulk of all outcomes,
    sent as pairs (guarded by `cond`)."""
    unacked: int = 0
    """Outcomes taken but not yet acknowledged by the parent (guarded by `cond`)."""

    def __post_init__(self) -> None:
        self.log = logging.getLogger(f"civic.worker.{self.child}")
        self._queue: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._threads = 0
        self._wants: list[int] = []
        self._idle_waiters = 0
        self._has_outcomes = threading.Event()

    def claimable(self) -> int:
        return self.max_workers - len(self.running) - self.reserved

    def stuck(self, grace: float) -> int:
        now = time.monotonic()
        return sum(
            1
            for r in list(self.running.values())
            if r.timed_out_at and now - r.timed_out_at > grace
        )

    # Slots for fetching

    def reserve(
        self, want: int, timeout: float | None, stop: threading.Event, cap: int | None = None
    ) -> int:
        """Wait until `want` slots are claimable (or `timeout`, or `stop`); reserve them all,
        or at most `cap`."""
        with self.cond:
            self._wants.append(want)
            try:
                self.cond.wait_for(lambda: self.claimable() >= want or stop.is_set(), timeout)
            finally:
                self._wants.remove(want)
            if stop.is_set():
                return 0
            n = max(self.claimable(), 0)
            if cap is not None:
                n = min(n, cap)
            self.reserved += n
            return n

    def unreserve(self, n: int) -> None:
        with self.cond:
            self.reserved -= n
            self.cond.notify_all()

    def submit_all(self, rows: list[jobrow.Row], reserved: int) -> None:
        """Start fetched jobs (proxy.jobrow rows) and release the fetch's reservation (they
        now hold the slots)."""
        entries = [self._entry(row) for row in rows]
        with self.cond:
            for entry in entries:
                self.running[entry.job.id] = entry
            self.reserved -= reserved
            while self._threads < min(len(self.running), self.max_workers):
                self._threads += 1
                threading.Thread(
                    target=self._work, name=f"{self.child}_{self._threads}", daemon=True
                ).start()
            if self._wants:
                self.cond.notify_all()  # the reservation released slots no job took
        for entry in entries:
            self._queue.put(entry.job.id)

    def _entry(self, row: jobrow.Row) -> Running:
        """`args` and `metadata` arrive as the JSON text PostgreSQL stores."""
        job = Job(
            row[jobrow.ID],
            row[jobrow.KIND],
            orjson.loads(row[jobrow.ARGS_JSON]),
            row[jobrow.ATTEMPT],
            row[jobrow.MAX_ATTEMPTS],
            row[jobrow.QUEUE],
            row[jobrow.PRIORITY],
            orjson.loads(row[jobrow.METADATA_JSON]),
            row[jobrow.CREATED_AT],
            row[jobrow.SCHEDULED_AT],
        )
        timeout = self.job_timeout if self.job_timeout > 0 else 10.0**9
        ctx = JobContext(
            job=job, settings=self.settings, deadline=time.monotonic() + timeout,
            cancelled=CancelFlag(), log=self.log, _query=self.rpc.query,
        )  # fmt: skip
        return Running(job, ctx)

    # Running jobs

    def _work(self) -> None:
        while True:
            self._run(self._queue.get())

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
                self._report(job, self._settled(entry, outcome))
                if (not self.running and self._idle_waiters) or (
                    self._wants and self.claimable() >= min(self._wants)
                ):
                    self.cond.notify_all()

    def _call(self, job: Job, ctx: JobContext) -> OutcomeMessage | None:
        """The job's outcome; None for a plain completion (no writes)."""
        handler = self.handlers.get(job.kind)
        if handler is None:
            known = ", ".join(sorted(self.handlers))
            error = f"UnknownJobKindError: job kind {job.kind!r} is not registered (known: {known})"
            return _outcome(job, "error", error)
        outcome: OutcomeMessage | None = None
        try:
            handler(job, ctx)
        except JobCancel as exc:
            outcome = _outcome(job, "cancel", _sendable(str(exc) or "JobCancel"))
        except JobSnooze as exc:
            outcome = _outcome(job, "snooze")
            outcome["snooze"] = exc.seconds
        except Exception as exc:  # noqa: BLE001 - an ordinary error means retry
            outcome = _outcome(job, "error", _sendable(_text(exc)))
            outcome["trace"] = _sendable(traceback.format_exc())
            return outcome
        if ctx.writes:
            writes: list[WriteMessage] = [{"name": n, "params": p} for n, p in ctx.writes]
            try:
                frame_json(writes)
            except TypeError as exc:  # found here, the job retries; in the frame, it would hang
                error = f"TypeError: the job's staged writes cannot be sent to the parent: {exc}"
                return _outcome(job, "error", error)
            outcome = outcome or _outcome(job, "completed")
            outcome["writes"] = writes
        return outcome

    def _settled(self, entry: Running, outcome: OutcomeMessage | None) -> OutcomeMessage | None:
        """The outcome as River records it for a job that timed out or was cancelled
        remotely: an ordinary error becomes the timeout, or the cancel."""
        if outcome is None or outcome["result"] != "error":
            return outcome
        raised = outcome.get("error", "")
        if entry.cancelled_remotely:
            outcome["result"] = "cancel"
            outcome["error"] = f"JobCancelledRemotely: job cancelled remotely ({raised})"
        elif entry.timed_out_at is not None:
            error = f"JobTimeout: job exceeded its deadline of {self.job_timeout:g}s"
            outcome["error"] = f"{error} ({raised})"
        return outcome

    def expire(self) -> None:
        """Cancel jobs past their deadline; they stay `running` until their handler returns."""
        now = time.monotonic()
        with self.cond:
            for entry in self.running.values():
                if entry.timed_out_at is None and now >= entry.ctx.deadline:
                    entry.timed_out_at = now
                    entry.ctx.cancelled.set()

    def cancel(self, job_id: int) -> None:
        """A remote cancel request (river_control): the handler should stop; if it then
        raises, the job ends `cancelled`."""
        entry = self.running.get(job_id)
        if entry is not None:
            entry.cancelled_remotely = True
            entry.ctx.cancelled.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self.cond:
            self._idle_waiters += 1
            try:
                return self.cond.wait_for(lambda: not self.running, timeout)
            finally:
                self._idle_waiters -= 1

    # Outcomes

    def _report(self, job: Job, outcome: OutcomeMessage | None) -> None:
        """Called under `cond`; None is a plain completion."""
        if outcome is None:
            self.completed.append((job.id, job.attempt))
        else:
            self.outcomes.append(outcome)
        if len(self.completed) + len(self.outcomes) == 1:
            self._has_outcomes.set()

    def take_outcomes(self, limit: int) -> tuple[list[tuple[int, int]], list[OutcomeMessage]]:
        """Block until outcomes exist; take up to `limit` in all, as (plain completions, other
        outcomes); they count as unacknowledged until `acknowledged`."""
        self._has_outcomes.wait()
        with self.cond:
            done, self.completed = self.completed[:limit], self.completed[limit:]
            limit -= len(done)
            batch, self.outcomes = self.outcomes[:limit], self.outcomes[limit:]
            if not self.outcomes and not self.completed:
                self._has_outcomes.clear()
            self.unacked += len(done) + len(batch)
            return done, batch

    def acknowledged(self, n: int) -> None:
        with self.cond:
            self.unacked -= n
            self.cond.notify_all()

    def wait_reported(self, timeout: float | None = None) -> bool:
        """Until every outcome was taken and acknowledged by the parent."""
        with self.cond:
            return self.cond.wait_for(
                lambda: not self.outcomes and not self.completed and not self.unacked, timeout
            )


def _outcome(job: Job, result: Result, error: str | None = None) -> OutcomeMessage:
    outcome: OutcomeMessage = {"job_id": job.id, "attempt": job.attempt, "result": result}
    if error is not None:
        outcome["error"] = error
    return outcome


def _sendable(text: str) -> str:
    """Lone surrogates (bytes decoded with surrogateescape) escaped: no JSON frame can carry
    them, and a finish call that cannot be sent would leave its jobs `running`."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _text(exc: BaseException) -> str:
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
