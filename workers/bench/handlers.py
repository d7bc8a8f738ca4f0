"""Bench job kinds: each exercises one outcome path of the runtime."""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Any

from workers.errors import JobCancel, JobSnooze
from workers.job import Handler, Job, JobContext


def _args(job: Job) -> dict[str, Any]:
    return job.args if isinstance(job.args, dict) else {}


def noop(job: Job, ctx: JobContext) -> None:
    """Returns at once: measures the queue, not the work."""


def sleep(job: Job, ctx: JobContext) -> None:
    """Sleeps `ms` milliseconds, waking early when cancelled (remote cancel, timeout)."""
    ms = _args(job).get("ms", 0)
    if not isinstance(ms, int | float) or isinstance(ms, bool) or ms < 0:
        raise JobCancel(f"sleep: args.ms must be a non-negative number, got {ms!r}")
    if ctx.cancelled.wait(ms / 1000.0) and not _args(job).get("ignore_cancel"):
        raise RuntimeError("sleep interrupted: job cancelled")


def journal(job: Job, ctx: JobContext) -> None:
    """Sleeps `ms` like `sleep` with `ignore_cancel`, appending JSON lines to `path` as it runs
    (start, alive every 50 ms, end), so a test can see whether two runs of one job overlapped."""
    args = _args(job)
    path, ms = str(args["path"]), float(args.get("ms", 0))

    def note(event: str) -> None:
        line = json.dumps({"id": job.id, "attempt": job.attempt, "pid": os.getpid(),
                           "event": event, "t": time.time()})  # fmt: skip
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)

    note("start")
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        time.sleep(min(0.05, max(end - time.monotonic(), 0)))
        note("alive")
    note("end")


def fail(job: Job, ctx: JobContext) -> None:
    """Raises; `undecodable: true` with a message no JSON can hold (a lone surrogate, as
    bytes decoded with surrogateescape give)."""
    if _args(job).get("undecodable"):
        raise RuntimeError(b"bad byte \xff".decode("utf-8", "surrogateescape"))
    raise RuntimeError(_args(job).get("message", "bench failure"))


def cancel(job: Job, ctx: JobContext) -> None:
    raise JobCancel(_args(job).get("message", "bench cancel"))


def snooze(job: Job, ctx: JobContext) -> None:
    raise JobSnooze(float(_args(job).get("seconds", 30)))


def crash(job: Job, ctx: JobContext) -> None:
    """Hard-exits the whole child process, as a segfault or OOM kill would."""
    os.kill(os.getpid(), signal.SIGKILL)


def hang(job: Job, ctx: JobContext) -> None:
    """Ignores its deadline and cancellation: a stuck C call or deadlock."""
    time.sleep(float(_args(job).get("seconds", 3600)))


def write(job: Job, ctx: JobContext) -> None:
    """Stages a database write committed with the completion; `fail: true` then raises;
    `unsendable: true` stages a parameter no frame can carry."""
    note = 2**70 if _args(job).get("unsendable") else str(_args(job).get("note", ""))
    ctx.write("record", job_id=job.id, note=note)
    if _args(job).get("fail"):
        raise RuntimeError("write then fail")


def log(job: Job, ctx: JobContext) -> None:
    """Logs a line: it must reach the parent's log tagged with child, job id and kind."""
    ctx.log.info("bench says %s", _args(job).get("text", "hello"))


HANDLERS: dict[str, Handler] = {
    "log": log,
    "noop": noop,
    "sleep": sleep,
    "fail": fail,
    "cancel": cancel,
    "snooze": snooze,
    "crash": crash,
    "hang": hang,
    "write": write,
    "journal": journal,
}
