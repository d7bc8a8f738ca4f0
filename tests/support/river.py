"""River rows for tests: insert jobs, read them back, claim them as the fetcher does."""

from __future__ import annotations

import json
from typing import Any

import psycopg

from proxy import jobrow
from supervisor.outcomes import Held
from supervisor.river.sql import CLAIM, render


def insert_jobs(conn: psycopg.Connection, kind: str, n: int = 1, *, args: str = "{}",
                queue: str = "civic_bench", **cols: Any) -> list[int]:  # fmt: skip
    names = ["kind", "args", "queue", *cols]
    values = [kind, args, queue, *cols.values()]
    placeholders = ", ".join(["%s"] * len(names))
    rows = conn.execute(
        f"INSERT INTO metadata.river_job ({', '.join(names)}) SELECT {placeholders}"
        " FROM generate_series(1, %s) RETURNING id",
        (*values, n),
    ).fetchall()
    return [r[0] for r in rows]


def job(conn: psycopg.Connection, job_id: int) -> dict[str, Any]:
    cur = conn.execute(
        "SELECT *, state::text AS state FROM metadata.river_job WHERE id = %s", (job_id,)
    )
    row = cur.fetchone()
    assert row is not None and cur.description is not None, f"no job {job_id}"
    return dict(zip([d.name for d in cur.description], row, strict=True))


def states(conn: psycopg.Connection) -> dict[str, int]:
    return dict(
        conn.execute("SELECT state::text, count(*) FROM metadata.river_job GROUP BY 1").fetchall()
    )


def notify_insert(conn: psycopg.Connection, queue: str = "civic_bench") -> None:
    conn.execute("SELECT pg_notify('metadata.river_insert', %s)", (json.dumps({"queue": queue}),))


def claim(db: psycopg.Connection, n: int) -> list[Held]:
    """Claim `n` bench jobs as the fetcher does; Held as the child session keeps them."""
    params = {"queue": "civic_bench", "max": n, "client_id": "t", "max_attempted_by": 100}
    rows = db.execute(render(CLAIM, "metadata"), params).fetchall()
    return [
        Held(r[jobrow.ID], r[jobrow.ATTEMPT], r[jobrow.MAX_ATTEMPTS], r[jobrow.N_ERRORS],
             r[jobrow.ATTEMPTED_AT], r[jobrow.KIND], r[jobrow.QUEUE], None)
        for r in rows
    ]  # fmt: skip
