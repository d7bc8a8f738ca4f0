"""What the demo did, read back from the database, S3 and the SMTP sink, and checked.

The numbers are cross-checked rather than trusted: every job the producers enqueued must be
`completed`, each producer's row must show the worker's effect (upload URL, three thumbnails
present in S3, an email in the sink per notification), and the supervisor must have stayed
within its connection budget. Any mismatch is listed in `problems` and fails the command.
"""

from __future__ import annotations

from typing import Any

import psycopg

from supervisor.demo.progress import QUEUES
from supervisor.demo.services import Mailbox
from supervisor.demo.workload import BUCKET, Mix

_SIZES = ("small", "medium", "large")
_LATENCY = """
SELECT queue,
  percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP
    (ORDER BY extract(epoch FROM attempted_at - created_at)),
  percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP
    (ORDER BY extract(epoch FROM finalized_at - attempted_at))
FROM metadata.river_job WHERE finalized_at IS NOT NULL AND attempted_at IS NOT NULL
GROUP BY queue"""
_UNFINISHED = """
SELECT queue, kind, state::text, count(*), (array_agg(errors[array_length(errors, 1)]->>'error'))[1]
FROM metadata.river_job WHERE state <> 'completed' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""


def _ms(values: list[float]) -> dict[str, float]:
    return {p: round(v * 1000, 1) for p, v in zip(("p50", "p95", "p99"), values, strict=True)}


def _jobs(conn: psycopg.Connection) -> dict[str, Any]:
    states: dict[str, dict[str, int]] = {}
    for queue, state, n in conn.execute(
        "SELECT queue, state::text, count(*) FROM metadata.river_job GROUP BY 1, 2 ORDER BY 1, 2"
    ):
        states.setdefault(queue, {})[state] = n
    latency = {
        queue: {"pickup": _ms(pickup), "processing": _ms(processing)}
        for queue, pickup, processing in conn.execute(_LATENCY)
    }
    unfinished = [
        {"queue": q, "kind": k, "state": s, "jobs": n, "last_error": e}
        for q, k, s, n, e in conn.execute(_UNFINISHED)
    ]
    row = conn.execute(
        "SELECT extract(epoch FROM max(finalized_at) - min(created_at)) FROM metadata.river_job"
    ).fetchone()
    assert row is not None
    span = row[0]
    return {
        "by_queue": states,
        "latency_ms": latency,
        "not_completed": unfinished,
        "span_s": round(float(span or 0), 2),
    }


def _thumbnails(conn: psycopg.Connection, s3: Any, endpoint: str) -> list[dict[str, Any]]:
    stored: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        stored.update(o["Key"] for o in page.get("Contents", []))
    files = []
    for name, status, original, *keys in conn.execute(
        "SELECT file_name, thumbnail_status, s3_original_key, s3_thumbnail_small_key,"
        " s3_thumbnail_medium_key, s3_thumbnail_large_key FROM metadata.files ORDER BY id"
    ):
        present = {size: k for size, k in zip(_SIZES, keys, strict=True) if k in stored}
        files.append(
            {
                "file_name": name,
                "status": status,
                "original": original,
                "keys": present,
                "urls": {size: f"{endpoint}/{BUCKET}/{k}" for size, k in present.items()},
            }
        )
    return files


def collect(
    conn: psycopg.Connection, s3: Any, s3_endpoint: str, mailbox: Mailbox, peak: int, budget: int
) -> dict[str, Any]:
    """Everything the report shows, as plain data (also the `--json` output)."""
    uploads: dict[str, int] = dict(
        conn.execute(
            "SELECT status, count(*) FROM metadata.file_upload_requests GROUP BY 1"
        ).fetchall()
    )
    notifications: dict[str, int] = dict(
        conn.execute("SELECT status, count(*) FROM metadata.notifications GROUP BY 1").fetchall()
    )
    return {
        "jobs": _jobs(conn),
        "connections": {"peak": peak, "budget": budget},
        "uploads": {"by_status": uploads},
        "thumbnails": {
            "bucket": BUCKET,
            "endpoint": s3_endpoint,
            "files": _thumbnails(conn, s3, s3_endpoint),
        },
        "emails": {
            "delivered": mailbox.delivered,
            "directory": str(mailbox.directory),
            "notifications_by_status": notifications,
        },
    }


def problems(summary: dict[str, Any], mix: Mix, supervisor_exit: int | None) -> list[str]:
    """Every way the run fell short of "all jobs done, within budget"; empty means success."""
    out = []
    jobs = summary["jobs"]["by_queue"]
    for queue, expected in mix.by_queue().items():
        completed = jobs.get(queue, {}).get("completed", 0)
        if completed != expected or sum(jobs.get(queue, {}).values()) != expected:
            out.append(f"{QUEUES[queue]}: {completed} of {expected} jobs completed")
    for row in summary["jobs"]["not_completed"]:
        out.append(f"{row['jobs']} {row['kind']} job(s) {row['state']}: {row['last_error']}")
    done_uploads = summary["uploads"]["by_status"].get("completed", 0)
    if done_uploads != mix.presign:
        out.append(f"upload requests: {done_uploads} of {mix.presign} got a presigned URL")
    files = summary["thumbnails"]["files"]
    complete = [f for f in files if f["status"] == "completed" and len(f["keys"]) == len(_SIZES)]
    if len(complete) != mix.thumbnails:
        out.append(f"thumbnails: {len(complete)} of {mix.thumbnails} files have all three in S3")
    sent = summary["emails"]["notifications_by_status"].get("sent", 0)
    delivered = summary["emails"]["delivered"]
    if not sent == delivered == mix.notifications:
        out.append(
            f"notifications: {mix.notifications} enqueued, {sent} sent, "
            f"{delivered} emails received by the SMTP sink"
        )
    peak, budget = summary["connections"]["peak"], summary["connections"]["budget"]
    if not 2 <= peak <= budget:
        out.append(f"peak connections {peak}: expected 2 (listener + pool) to {budget}")
    if supervisor_exit not in (0, None):
        out.append(f"the supervisor exited with code {supervisor_exit} on SIGTERM, not 0")
    return out
