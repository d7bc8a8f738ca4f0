"""Run one worker handler against a real database without the supervisor.

A stand-in for the parent in unit tests of worker modules: registered statements of the
worker's spec run on a real connection, staged writes commit in one transaction with a
`river_job` state change exactly as the parent does it. End-to-end tests use the real
supervisor instead.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from workers.errors import JobCancel, JobSnooze
from workers.job import Handler, Job, JobContext
from workers.spec import WorkerSpec


def _jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return json.loads(json.dumps(rows, default=str))


@dataclass
class Outcome:
    state: str  # "completed", "cancelled", "snoozed" or "error"
    error: str | None = None


def run_handler(
    spec: WorkerSpec,
    handler: Handler,
    db_url: str,
    *,
    kind: str,
    args: Any,
    settings: dict[str, Any] | None = None,
    attempt: int = 1,
    timeout: float = 60.0,
) -> Outcome:
    """Call `handler` once; apply its staged writes like the parent would."""

    def sql(name: str) -> str:
        return spec.statements[name].replace("{schema}", '"metadata"')

    def query(name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        with psycopg.connect(db_url, autocommit=True, row_factory=dict_row) as conn:
            cur = conn.execute(sql(name), params)
            return _jsonable(cur.fetchall()) if cur.description else []

    job = Job(
        id=0, kind=kind, args=args, attempt=attempt, max_attempts=25, queue=spec.queue,
        priority=1, metadata={}, created_at="", scheduled_at="",
    )  # fmt: skip
    ctx = JobContext(
        job=job, settings=settings or {}, deadline=time.monotonic() + timeout,
        cancelled=threading.Event(), log=logging.getLogger(f"test.{spec.name}"), _query=query,
    )  # fmt: skip
    try:
        handler(job, ctx)
        outcome = Outcome("completed")
    except JobCancel as exc:
        outcome = Outcome("cancelled", str(exc))
    except JobSnooze as exc:
        outcome = Outcome("snoozed", str(exc))
    except Exception as exc:  # noqa: BLE001 - an ordinary error means retry
        return Outcome("error", f"{type(exc).__name__}: {exc}")
    with psycopg.connect(db_url) as conn, conn.transaction():
        for name, params in ctx.writes:
            conn.execute(sql(name), params)
    return outcome
