"""Scheduled jobs and the draft-gallery cleanup (imported only in the child).

The tick decides which `metadata.scheduled_jobs` are due as the Go scheduler did (the first
missed slot after `last_run_at`, or after the later of `created_at` and a day ago; `catchup`
when over an hour late) and enqueues one `scheduled_job_execute` per slot. The executor
records a run, calls the function, and writes the outcome as Civic OS reads it in
`scheduled_job_runs`: a result without `success` counts as success (as the manual
`trigger_scheduled_job` does), and a result that is not a JSON object is kept as the message.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from workers.errors import JobCancel
from workers.job import Handler, Job, JobContext
from workers.scheduled.cron import CronError, parse, zone_of

log = logging.getLogger("civic.worker.scheduled_jobs")
CATCHUP_AFTER = timedelta(hours=1)
FIRST_LOOKBACK = timedelta(hours=24)


def rfc3339(t: datetime) -> str:
    """As Go's time.RFC3339 writes it: seconds, and `Z` for a zero offset."""
    text = t.replace(microsecond=0).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _ts(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def due_slot(row: dict[str, Any], now: datetime) -> tuple[datetime, str] | None:
    """(slot, triggered_by) when the job's next slot has come, else None."""
    zone = zone_of(str(row["timezone"]))
    if zone is None:
        log.warning("scheduled job %s: unknown time zone %r; using UTC", row["name"],
                    row["timezone"])  # fmt: skip
    try:
        schedule = parse(str(row["schedule"]))
    except CronError as exc:
        log.warning("scheduled job %s: schedule %r skipped: %s", row["name"], row["schedule"], exc)
        return None
    last, created = _ts(row["last_run_at"]), _ts(row["created_at"])
    base = last or max(created or now, now - FIRST_LOOKBACK)
    slot = schedule.next_after(base, zone or ZoneInfo("UTC"))
    if slot is None:
        log.warning("scheduled job %s: schedule %r never matches", row["name"], row["schedule"])
        return None
    if slot > now:
        return None
    late = last is not None and now - slot > CATCHUP_AFTER
    return slot, "catchup" if late else "scheduler"


def tick(job: Job, ctx: JobContext) -> None:
    """Enqueue every due slot; a slot already enqueued (by an earlier tick, another leader, or
    the Go scheduler) is skipped by its unique key."""
    rows = ctx.query("due_jobs")
    if not rows:
        return
    now = datetime.fromisoformat(rows[0]["now"])
    for row in rows:
        found = due_slot(row, now)
        if found is None:
            continue
        slot, triggered_by = found
        when = rfc3339(slot)
        args = {"job_id": row["id"], "job_name": row["name"],
                "function_name": row["function_name"], "scheduled_for": when,
                "triggered_by": triggered_by}  # fmt: skip
        if ctx.query(
            "enqueue", queue=job.queue, args=args, key=f"scheduled_job:{row['id']}:{when}"
        ):
            ctx.log.info("queued scheduled job %s for %s (%s)", row["name"], when, triggered_by)


def outcome(result: str | None) -> tuple[bool, str | None, Any]:
    """(success, message, details) of a function's result, as text."""
    try:
        value = json.loads(result) if result else None
    except ValueError:
        return True, result or None, None
    if isinstance(value, dict):
        success = value.get("success", True)
        message = value.get("message")
        return (success if isinstance(success, bool) else bool(success),
                message if isinstance(message, str) or message is None else json.dumps(message),
                value)  # fmt: skip
    return True, result or None, {"result": value} if value is not None else None


def execute(job: Job, ctx: JobContext) -> None:
    a = job.args if isinstance(job.args, dict) else {}
    job_id, function = a.get("job_id"), a.get("function_name")
    if not isinstance(job_id, int) or isinstance(job_id, bool) or not isinstance(function, str):
        raise JobCancel("scheduled_job_execute: args need job_id (integer) and function_name")
    slot = {"job_id": job_id, "scheduled_for": a.get("scheduled_for"),
            "triggered_by": str(a.get("triggered_by") or "scheduler")}  # fmt: skip
    returned = ctx.query("returned_run", **slot)
    if returned:  # an earlier attempt's function returned; only its outcome is missing
        run_id, result = returned[0]["id"], returned[0]["result"]
    else:
        ctx.query("close_interrupted", **slot)
        run_id = ctx.query("start_run", **slot)[0]["id"]
        try:
            rows = ctx.query("call", job_id=job_id, function_name=function, run_id=run_id)
        except Exception as exc:
            ctx.query("finish_run", run_id=run_id, success=False, message=str(exc), details=None)
            ctx.query("touch_job", run_id=run_id)
            raise
        if not rows:
            reason = f"scheduled job {job_id} no longer exists or no longer calls {function}"
            ctx.query("finish_run", run_id=run_id, success=False, message=reason, details=None)
            raise JobCancel(reason)
        result = rows[0]["result"]
    success, message, details = outcome(result)
    ctx.write("finish_run", run_id=run_id, success=success, message=message, details=details)
    ctx.write("touch_job", run_id=run_id)
    ctx.log.info("scheduled job %s (%s): %s", a.get("job_name"), function,
                 "succeeded" if success else f"reported failure: {message}")  # fmt: skip


def gallery_cleanup(job: Job, ctx: JobContext) -> None:
    """Civic OS's daily delete of draft galleries older than 12 hours."""
    try:
        rows = ctx.query("cleanup_galleries")
    except Exception as exc:
        if "cleanup_draft_galleries() does not exist" in str(exc):
            raise JobCancel("metadata.cleanup_draft_galleries() does not exist in this "
                            "database (Civic OS before v0.47?)") from None  # fmt: skip
        raise
    ctx.log.info("gallery cleanup: %s draft galleries deleted", rows[0]["deleted"])


HANDLERS: dict[str, Handler] = {
    "scheduled_jobs_tick": tick,
    "scheduled_job_execute": execute,
    "gallery_cleanup": gallery_cleanup,
}
