"""After the faults: let the system settle, then hold every row against its job.

Settled means no job `running` and none overdue: `available` for 5 s, or `retryable`/
`scheduled` 15 s past its time (the leader's scheduler promotes every 5 s). Jobs waiting for a
retry or a delivery lease that ends later are legitimate and stay as they are.

Then, for each producer call the database holds: exactly one job (triggers and River inserts
are atomic with their rows), and the row's state agrees with the job's (`agree_*`); the audit
table shows how many times each row was moved to a final status (more than one success is a
duplicated effect). Everything found wrong is a sentence in `problems`.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from tests.soak.go import KIND as GO_KIND
from tests.soak.go import QUEUE as GO_QUEUE
from tests.support.database import scalar
from tests.support.go_client import go_problems

KEYS = {"s3_presign": "request_id", "thumbnail_generate": "file_id",
        "send_notification": "notification_id", "send_email": "entity_id", GO_KIND: "token"}  # fmt: skip
NOT_DONE = """
SELECT id, state::text, kind FROM metadata.river_job WHERE state = 'running'
   OR (state = 'available' AND scheduled_at < now() - interval '5 s')
   OR (state IN ('retryable', 'scheduled') AND scheduled_at < now() - interval '15 s')
ORDER BY id
"""
WAITING_SQL = "SELECT count(*) FROM metadata.river_job WHERE finalized_at IS NULL"


def settle(
    url: str, timeout: float, drain: float
) -> tuple[float, float, list[tuple[int, str, str]]]:
    """Seconds until settled (twice in a row, 1 s apart), seconds until drained, and what was
    still not done.

    Between the two, for up to `drain` seconds, wait for the jobs that are legitimately
    waiting (a retry after the outage, a delivery lease) to finish too, so the figures show
    how much of the backlog completed; then settle again, since a job promoted meanwhile may
    be running right now. What is still waiting after that is reported, not failed."""
    t0 = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        left = _calm(conn, time.monotonic() + timeout)
        settled = time.monotonic() - t0
        end = time.monotonic() + drain
        while time.monotonic() < end and scalar(conn, WAITING_SQL):
            time.sleep(1)
        left = _calm(conn, time.monotonic() + timeout)
    return settled, time.monotonic() - t0, left


def _calm(conn: psycopg.Connection, deadline: float) -> list[tuple[int, str, str]]:
    calm = 0
    while True:
        left = conn.execute(NOT_DONE).fetchall()
        calm = calm + 1 if not left else 0
        if calm >= 2 or time.monotonic() > deadline:
            return left
        time.sleep(1)


@dataclass
class Snapshot:
    jobs: dict[tuple[str, str], list[dict[str, Any]]]
    """(kind, key in args) -> jobs; more than one is a duplicate insert."""
    uploads: list[dict[str, Any]]
    files: list[dict[str, Any]]
    notifications: list[dict[str, Any]]
    effects: list[tuple[str, str, str | None, str]]
    states: Counter[str] = field(default_factory=Counter)


def snapshot(url: str) -> Snapshot:
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        jobs: dict[tuple[str, str], list[dict[str, Any]]] = {}
        states: Counter[str] = Counter()
        for j in conn.execute("SELECT *, state::text AS state FROM metadata.river_job ORDER BY id"):
            states[j["state"]] += 1
            key = str((j["args"] or {}).get(KEYS.get(j["kind"], ""), ""))
            jobs.setdefault((j["kind"], key), []).append(j)

        def rows(sql: str) -> list[dict[str, Any]]:
            return conn.execute(sql).fetchall()

        return Snapshot(
            jobs,
            rows("SELECT *, id::text AS id, file_id::text AS file_id FROM metadata.file_upload_requests"),
            rows("SELECT *, id::text AS id FROM metadata.files"),
            rows("SELECT *, id::text AS id FROM metadata.notifications"),
            [tuple(r.values()) for r in rows(
                "SELECT tbl, row_id, old_status, new_status FROM public.soak_effects ORDER BY id")],
            states,
        )  # fmt: skip


def agree_upload(row: dict[str, Any], state: str) -> bool:
    if state == "completed":
        key = f"{row['entity_type']}/{row['entity_id']}/{row['file_id']}/original.jpg"
        return row["status"] == "completed" and bool(row["presigned_url"]) and row["s3_key"] == key
    if state == "cancelled":
        return row["status"] == "failed" and bool(row["error_message"])
    return row["status"] == "pending"


def agree_file(row: dict[str, Any], state: str, s3: Any) -> bool:
    keys = [row[f"s3_thumbnail_{s}_key"] for s in ("small", "medium", "large")]
    if state == "completed":
        return row["thumbnail_status"] == "completed" and all(_exists(s3, row, k) for k in keys)
    if state == "cancelled":
        return (
            row["thumbnail_status"] == "failed" and bool(row["thumbnail_error"]) and not any(keys)
        )
    return row["thumbnail_status"] == "pending" and not any(keys)


def agree_notification(row: dict[str, Any], state: str) -> bool:
    if state == "completed":
        return row["status"] == "sent"
    if state == "cancelled":
        return row["status"] == "failed" and bool(row["error_message"])
    return row["status"] in ("pending", "failed")  # a transient failure releases the claim


def _exists(s3: Any, row: dict[str, Any], key: str | None) -> bool:
    if not key:
        return False
    try:
        s3.head_object(Bucket=row["s3_bucket"], Key=key)
    except Exception:  # noqa: BLE001 - botocore's ClientError 404: the object is missing
        return False
    return True


def check_rows(snap: Snapshot, s3: Any, acked: dict[str, list[str]], poison: set[str]) -> list[str]:
    """Every acknowledged call has its row and one job, and they agree."""
    problems: list[str] = []
    tables = (
        ("upload", "s3_presign", snap.uploads, "entity_id", "id",
         lambda r, s: agree_upload(r, s)),
        ("file", "thumbnail_generate", snap.files, "id", "id", lambda r, s: agree_file(r, s, s3)),
        ("notification", "send_notification", snap.notifications, "entity_id", "id",
         lambda r, s: agree_notification(r, s)),
    )  # fmt: skip
    for producer, kind, rows, token_col, key_col, agree in tables:
        for row in rows:
            jobs = snap.jobs.get((kind, row[key_col]), [])
            if len(jobs) > 1:
                problems.append(f"{producer} {row[key_col]} has {len(jobs)} {kind} jobs")
            if len(jobs) != 1:
                continue  # none: counted by lost_jobs
            state = jobs[0]["state"]
            if not agree(row, state):
                problems.append(f"{producer} {row[key_col]} disagrees with job {jobs[0]['id']} "
                                f"({state}): {_brief(row)}")  # fmt: skip
            if row[token_col] in poison and state == "completed":
                problems.append(f"poison {producer} {row[key_col]} completed")
    for token in acked["send_email"]:
        if len(snap.jobs.get(("send_email", token), [])) > 1:
            problems.append(f"send_email {token} has more than one job")
    return problems


def lost_jobs(snap: Snapshot, acked: dict[str, list[str]], left: list[Any]) -> list[str]:
    """Acknowledged calls with no row or no job, and jobs still running or overdue."""
    present = {
        "upload": {r["entity_id"]: ("s3_presign", r["id"]) for r in snap.uploads},
        "file": {r["id"]: ("thumbnail_generate", r["id"]) for r in snap.files},
        "notification": {
            r["entity_id"]: ("send_notification", r["id"]) for r in snap.notifications
        },
        "send_email": {t: ("send_email", t) for k, t in snap.jobs if k == "send_email"},
        "go": {t: (GO_KIND, t) for k, t in snap.jobs if k == GO_KIND},
    }
    lost = []
    for producer, tokens in acked.items():
        for token in tokens:
            key = present[producer].get(token)
            if key is None:
                lost.append(f"{producer} {token}: acknowledged, but not in the database")
            elif not snap.jobs.get(key):
                lost.append(f"{producer} {token}: its row has no job")
    lost += [f"job {i} ({kind}) still {state} after settling" for i, state, kind in left]
    return lost


def check_jobs(snap: Snapshot) -> list[str]:
    """Final jobs that failed say why; nothing is running; nothing is an unknown kind."""
    problems = []
    for (kind, key), jobs in snap.jobs.items():
        for j in jobs:
            if kind not in KEYS:
                problems.append(f"job {j['id']} of unexpected kind {kind}")
            if j["state"] == "running":
                problems.append(f"job {j['id']} ({kind} {key}) is still running")
            if j["state"] in ("cancelled", "discarded") and not (
                j["errors"] and j["errors"][-1].get("error")
            ):
                problems.append(f"job {j['id']} is {j['state']} without a recorded reason")
    return problems


def check_go(snap: Snapshot, runs: dict[tuple[int, int], dict[str, Any]],
             killed: set[str]) -> list[str]:  # fmt: skip
    """The Go client's queue: only Go clients claimed its jobs, no civic-supervisor's
    dead-client path returned one, none ran twice at once or again after completing (a re-run
    only after its client was killed, by River's rescuer), none is still running."""
    jobs = [j for js in snap.jobs.values() for j in js if j["queue"] == GO_QUEUE]
    strays = [f"job {j['id']} of kind {j['kind']} on the Go queue" for j in jobs
              if j["kind"] != GO_KIND]  # fmt: skip
    return strays + go_problems(jobs, runs, killed)


def duplicated_effects(snap: Snapshot) -> list[str]:
    """Rows moved to `completed`/`sent` more than once, or moved away from it."""
    wins = Counter((t, r) for t, r, _, new in snap.effects if new in ("completed", "sent"))
    dups = [f"{t} {r} reached its final status {n} times" for (t, r), n in wins.items() if n > 1]
    undone = [f"{t} {r}: {old} -> {new}" for t, r, old, new in snap.effects
              if old in ("completed", "sent") and new != old]  # fmt: skip
    return dups + undone


def _brief(row: dict[str, Any]) -> str:
    keep = ("status", "thumbnail_status", "error_message", "thumbnail_error", "sent_at",
            "channels_sent", "s3_key", "s3_thumbnail_small_key")  # fmt: skip
    return ", ".join(f"{k}={str(row[k])[:80]!r}" for k in keep if k in row)
