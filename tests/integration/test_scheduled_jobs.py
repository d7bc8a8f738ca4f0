"""Scheduled jobs and the gallery cleanup on a real database, through the worker's own
statements: slots enqueued once, functions called by quoted name, runs written as Civic OS
reads them, and no function run twice when an attempt dies after it returned."""

from __future__ import annotations

import psycopg
import pytest

from tests.support.database import scalar
from tests.support.worker_harness import run_handler
from workers.civic_schema import sql
from workers.scheduled.handlers import HANDLERS
from workers.scheduled.spec import SPEC

FUNCTIONS = """
CREATE TABLE public.calls (fn text);
CREATE FUNCTION public.ok_fn() RETURNS json LANGUAGE sql AS $$
  INSERT INTO public.calls VALUES ('ok');
  SELECT json_build_object('success', true, 'message', 'did it', 'rows', 3) $$;
CREATE FUNCTION public.bare_fn() RETURNS json LANGUAGE sql AS $$ SELECT '{"message": "m"}'::json $$;
CREATE FUNCTION public.text_fn() RETURNS text LANGUAGE sql AS $$ SELECT 'all <done>' $$;
CREATE FUNCTION public.void_fn() RETURNS void LANGUAGE sql AS $$ INSERT INTO public.calls VALUES ('void') $$;
CREATE FUNCTION public.raise_fn() RETURNS json LANGUAGE plpgsql AS $$
  BEGIN INSERT INTO public.calls VALUES ('raise'); RAISE EXCEPTION 'boom'; END $$;
CREATE FUNCTION metadata.qualified_fn() RETURNS json LANGUAGE sql AS $$
  SELECT '{"success": false, "message": "reported"}'::json $$;
"""


@pytest.fixture
def civic(db: psycopg.Connection) -> psycopg.Connection:
    db.execute(sql("files"))
    db.execute(sql("scheduled_jobs"))
    db.execute(FUNCTIONS)
    return db


def add_job(db: psycopg.Connection, name: str, function: str, schedule: str = "0 * * * *",
            last: str | None = "now() - interval '2 hours'") -> int:  # fmt: skip
    return scalar(db, f"INSERT INTO metadata.scheduled_jobs (name, function_name, schedule,"
                      f" last_run_at) VALUES (%s, %s, %s, {last or 'NULL'}) RETURNING id",
                  (name, function, schedule))  # fmt: skip


def execute(
    db_url: str, job_id: int, function: str, attempt: int = 1, slot: str = "2026-06-01T08:00:00Z"
):
    args = {"job_id": job_id, "job_name": "j", "function_name": function,
            "scheduled_for": slot, "triggered_by": "scheduler"}  # fmt: skip
    return run_handler(SPEC, HANDLERS["scheduled_job_execute"], db_url,
                       kind="scheduled_job_execute", args=args, attempt=attempt)  # fmt: skip


def runs(db: psycopg.Connection, job_id: int) -> list[tuple]:
    return db.execute("SELECT success, message, details, completed_at IS NOT NULL,"
                      " duration_ms IS NOT NULL FROM metadata.scheduled_job_runs"
                      " WHERE job_id = %s ORDER BY id", (job_id,)).fetchall()  # fmt: skip


def test_the_tick_enqueues_each_due_slot_once(civic, db_url):
    due = add_job(civic, "hourly", "ok_fn")
    add_job(civic, "later", "ok_fn", schedule="0 0 1 1 *", last="now()")
    add_job(civic, "broken", "ok_fn", schedule="@hourly")
    for _ in range(2):
        tick = run_handler(SPEC, HANDLERS["scheduled_jobs_tick"], db_url,
                           kind="scheduled_jobs_tick", args={})  # fmt: skip
        assert tick.state == "completed", tick
    rows = civic.execute("SELECT args, priority, max_attempts, queue, convert_from(unique_key,"
                         " 'UTF8') FROM metadata.river_job").fetchall()  # fmt: skip
    assert len(rows) == 1
    args, priority, attempts, queue, key = rows[0]
    assert (args["job_id"], args["function_name"], args["triggered_by"]) == (
        due,
        "ok_fn",
        "catchup",
    )
    assert (priority, attempts, queue) == (2, 3, "scheduled_jobs")
    assert key == f"scheduled_job:{due}:{args['scheduled_for']}"


def test_results_are_recorded_as_civic_os_reads_them(civic, db_url):
    cases = {
        "ok_fn": (True, "did it", {"success": True, "message": "did it", "rows": 3}),
        "bare_fn": (True, "m", {"message": "m"}),  # no `success`: success, as the manual RPC
        "text_fn": (True, "all <done>", None),
        "void_fn": (True, None, None),
        "metadata.qualified_fn": (False, "reported", {"success": False, "message": "reported"}),
    }
    for function, expected in cases.items():
        job_id = add_job(civic, function, function)
        assert execute(db_url, job_id, function).state == "completed"
        assert runs(civic, job_id) == [(*expected, True, True)], function
        assert scalar(civic, "SELECT last_run_at > now() - interval '1 minute'"
                             " FROM metadata.scheduled_jobs WHERE id = %s", (job_id,))  # fmt: skip


def test_a_raising_function_is_recorded_and_retried(civic, db_url):
    job_id = add_job(civic, "raise", "raise_fn")
    result = execute(db_url, job_id, "raise_fn")
    assert result.state == "error" and "boom" in result.error
    ((success, message, _, done, _),) = runs(civic, job_id)
    assert (success, done) == (False, True) and "boom" in message
    assert scalar(civic, "SELECT count(*) FROM public.calls") == 0  # rolled back with the error


def test_a_name_is_quoted_as_an_identifier_never_run_as_sql(civic, db_url):
    hostile = "ok_fn(); DROP TABLE public.calls; SELECT ok_fn"
    job_id = add_job(civic, "hostile", hostile)
    result = execute(db_url, job_id, hostile)
    assert result.state == "error" and "does not exist" in result.error
    assert scalar(civic, "SELECT to_regclass('public.calls') IS NOT NULL")


def test_a_changed_job_cancels_instead_of_calling_what_the_args_say(civic, db_url):
    job_id = add_job(civic, "changed", "ok_fn")
    result = execute(db_url, job_id, "void_fn")
    assert result.state == "cancelled" and "no longer calls void_fn" in result.error
    assert scalar(civic, "SELECT count(*) FROM public.calls") == 0


def test_an_attempt_that_died_after_the_function_returned_does_not_call_it_again(civic, db_url):
    job_id = add_job(civic, "once", "ok_fn")
    slot = "2026-06-01T08:00:00Z"
    run = scalar(civic, "INSERT INTO metadata.scheduled_job_runs (job_id, scheduled_for,"
                        " triggered_by, completed_at, message) VALUES (%s, %s, 'scheduler',"
                        " now(), '{\"success\": true, \"message\": \"earlier\"}') RETURNING id",
                 (job_id, slot))  # fmt: skip
    assert execute(db_url, job_id, "ok_fn", attempt=2, slot=slot).state == "completed"
    assert scalar(civic, "SELECT count(*) FROM public.calls") == 0
    assert runs(civic, job_id)[0][:2] == (True, "earlier")
    assert scalar(civic, "SELECT count(*) FROM metadata.scheduled_job_runs") == 1 and run


def test_an_attempt_that_died_before_the_function_returned_is_closed_and_rerun(civic, db_url):
    job_id = add_job(civic, "again", "ok_fn")
    slot = "2026-06-01T08:00:00Z"
    civic.execute("INSERT INTO metadata.scheduled_job_runs (job_id, scheduled_for, triggered_by)"
                  " VALUES (%s, %s, 'scheduler')", (job_id, slot))  # fmt: skip
    assert execute(db_url, job_id, "ok_fn", attempt=2, slot=slot).state == "completed"
    first, second = runs(civic, job_id)
    assert first[:2] == (False, "interrupted: the worker stopped before the function returned")
    assert second[:2] == (True, "did it")


def test_gallery_cleanup_deletes_only_stale_drafts(civic, db_url):
    civic.execute("INSERT INTO metadata.photo_galleries (entity_type, entity_id, property_name,"
                  " updated_at) VALUES ('issues', NULL, 'photos', now() - interval '13 hours'),"
                  " ('issues', NULL, 'photos', now() - interval '1 hour'),"
                  " ('issues', '7', 'photos', now() - interval '2 days')")  # fmt: skip
    result = run_handler(SPEC, HANDLERS["gallery_cleanup"], db_url, kind="gallery_cleanup", args={})
    assert result.state == "completed"
    assert scalar(civic, "SELECT count(*) FROM metadata.photo_galleries") == 2
    civic.execute("DROP FUNCTION metadata.cleanup_draft_galleries()")
    result = run_handler(SPEC, HANDLERS["gallery_cleanup"], db_url, kind="gallery_cleanup", args={})
    assert result.state == "cancelled" and "before v0.47" in result.error
