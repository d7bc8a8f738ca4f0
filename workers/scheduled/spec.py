"""Scheduled-jobs child: Civic OS's `metadata.scheduled_jobs` run on their cron schedules,
and the daily draft-gallery cleanup. The Go worker ran both on tickers in every instance;
here the leader enqueues one tick per minute and one cleanup per day, unique per tick, and
this child does the rest through its statements."""

from __future__ import annotations

from workers.spec import PeriodicJob, WorkerSpec

_RUN_OF_SLOT = (
    "job_id = %(job_id)s AND triggered_by = %(triggered_by)s"
    " AND scheduled_for IS NOT DISTINCT FROM %(scheduled_for)s::timestamptz"
)

SPEC = WorkerSpec(
    name="scheduled_jobs",
    queue="scheduled_jobs",
    kinds=("scheduled_jobs_tick", "scheduled_job_execute", "gallery_cleanup"),
    max_workers=2,
    handlers="workers.scheduled.handlers:HANDLERS",
    statements={
        "due_jobs": (
            "SELECT id, name, function_name, schedule, timezone, last_run_at, created_at,"
            " now() AS now FROM metadata.scheduled_jobs WHERE enabled ORDER BY id"
        ),
        # River-style unique per (job, slot) in every state, so a slot runs once however
        # many ticks or leaders see it due; without a conflict target it also yields to the
        # Go scheduler's rows where Civic OS's leftover (kind, unique_key) index exists.
        "enqueue": (
            "INSERT INTO {schema}.river_job (state, queue, kind, args, priority, max_attempts,"
            " scheduled_at, unique_key, unique_states)"
            " VALUES ('available', %(queue)s, 'scheduled_job_execute', %(args)s, 2, 3, now(),"
            " convert_to(%(key)s, 'UTF8'), B'11111111')"
            " ON CONFLICT DO NOTHING RETURNING id"
        ),
        # A run whose function returned but whose outcome was never written (the child died
        # in between): its result is in `message`, and the function must not run again.
        "returned_run": (
            "SELECT id, message AS result FROM metadata.scheduled_job_runs"
            f" WHERE {_RUN_OF_SLOT} AND completed_at IS NOT NULL AND success IS NULL"
            " ORDER BY id DESC LIMIT 1"
        ),
        "close_interrupted": (
            "UPDATE metadata.scheduled_job_runs SET completed_at = now(), success = false,"
            " duration_ms = (extract(epoch FROM now() - started_at) * 1000)::int,"
            " message = 'interrupted: the worker stopped before the function returned'"
            f" WHERE {_RUN_OF_SLOT} AND completed_at IS NULL"
        ),
        "start_run": (
            "INSERT INTO metadata.scheduled_job_runs (job_id, started_at, scheduled_for,"
            " triggered_by) VALUES (%(job_id)s, clock_timestamp(),"
            " %(scheduled_for)s::timestamptz, %(triggered_by)s) RETURNING id"
        ),
        # The function and the record that it returned commit together, in one statement.
        "call": (
            "WITH r AS MATERIALIZED (SELECT %(function_name)I()::text AS result"
            " FROM metadata.scheduled_jobs"
            " WHERE id = %(job_id)s AND function_name = %(function_name)s)"
            " UPDATE metadata.scheduled_job_runs AS run SET completed_at = clock_timestamp(),"
            " message = r.result FROM r WHERE run.id = %(run_id)s RETURNING r.result"
        ),
        "finish_run": (
            "UPDATE metadata.scheduled_job_runs SET completed_at = coalesce(completed_at, now()),"
            " duration_ms = (extract(epoch FROM coalesce(completed_at, now()) - started_at)"
            " * 1000)::int, success = %(success)s, message = %(message)s, details = %(details)s"
            " WHERE id = %(run_id)s"
        ),
        "touch_job": (
            "UPDATE metadata.scheduled_jobs SET last_run_at = run.started_at, updated_at = now()"
            " FROM metadata.scheduled_job_runs AS run"
            " WHERE run.id = %(run_id)s AND scheduled_jobs.id = run.job_id"
        ),
        "cleanup_galleries": "SELECT metadata.cleanup_draft_galleries() AS deleted",
    },
    periodic=(
        PeriodicJob("scheduled_jobs_tick", every=60.0, max_attempts=1),
        PeriodicJob("gallery_cleanup", every=86400.0, offset=3 * 3600.0, max_attempts=3),
    ),
    job_timeout=0.0,
    enabled=False,
    queue_env={"max_workers": "SCHEDULED_JOBS_MAX_WORKERS"},
    doc="metadata.scheduled_jobs on their cron schedules, and the daily draft-gallery cleanup",
)
"""job_timeout 0: a scheduled function runs as long as it needs (the Go worker's 1-minute
deadline rolled long ones back and wedged their schedule). Each running function holds one
pooled session, hence 2 threads."""
