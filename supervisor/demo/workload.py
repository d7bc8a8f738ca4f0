"""The demo's jobs, produced the way Civic OS produces them: through its SQL functions.

Nothing inserts into river_job directly. `request_upload_url` fires the presign trigger,
`create_file_record(..., 'pending')` the thumbnail trigger, `create_notification` the
notification trigger; like Civic OS's, those triggers send no NOTIFY, so the supervisor finds
the jobs by polling. Each call is its own autocommit statement, as separate API requests are.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from supervisor.demo.content import HTML, ISSUES, NAMES, NOTE, STATUSES, SUBJECT, TEMPLATE, TEXT
from supervisor.demo.media import Sample, samples
from supervisor.migrate import migrate
from workers.civic_schema import sql

BUCKET = "civic-os-files"
UPLOAD = "SELECT public.request_upload_url('issues', %s, %s, %s)"
FILE = "SELECT public.create_file_record(%s, 'issues', %s, %s, %s, %s, %s, %s, 'pending')"
NOTIFY = "SELECT public.create_notification(%s, %s, 'issues', %s, %s)"
UPLOADS = (
    ("photo.jpg", "image/jpeg"),
    ("scan.pdf", "application/pdf"),
    ("plan.png", "image/png"),
    ("IMG_2041.HEIC", "image/heic"),
)


@dataclass(frozen=True)
class Mix:
    """How many jobs each queue gets: mostly presign and email, a few heavier thumbnails."""

    presign: int
    thumbnails: int
    notifications: int

    @classmethod
    def of(cls, total: int) -> Mix:
        thumbnails = max(4, total // 10)
        notifications = max(1, total * 2 // 5)
        return cls(max(1, total - thumbnails - notifications), thumbnails, notifications)

    def by_queue(self) -> dict[str, int]:
        return {
            "s3_signer": self.presign,
            "thumbnails": self.thumbnails,
            "notifications": self.notifications,
        }


@dataclass(frozen=True)
class Prepared:
    """What exists before any job: users, the template, originals already in S3."""

    users: list[str]
    files: list[tuple[str, str, Sample]]
    """(file id, s3 key of the original, sample) for each future `files` row."""


def install_schema(conn: psycopg.Connection) -> None:
    """River v7 in schema `metadata`, then the Civic OS tables, functions and triggers."""
    migrate(conn, "metadata")
    conn.execute(sql("files"))
    conn.execute(sql("notifications"))


def prepare(conn: psycopg.Connection, s3: Any, mix: Mix) -> Prepared:
    """Bucket, originals (uploaded as the browser would), users and the template."""
    s3.create_bucket(Bucket=BUCKET)
    media = samples()
    files = []
    for i in range(mix.thumbnails):
        sample = media[i % len(media)]
        row = conn.execute("SELECT public.uuid_generate_v7()").fetchone()
        assert row is not None
        file_id = str(row[0])
        key = f"issues/{100 + i}/{file_id}/original{sample.extension}"
        s3.put_object(Bucket=BUCKET, Key=key, Body=sample.data, ContentType=sample.file_type)
        files.append((file_id, key, sample))
    users = []
    for i, name in enumerate(NAMES):
        row = conn.execute("SELECT gen_random_uuid()").fetchone()
        assert row is not None
        user_id = str(row[0])
        conn.execute(
            "INSERT INTO metadata.civic_os_users (id, display_name) VALUES (%s, %s)",
            (user_id, name.split()[0]),
        )
        conn.execute(
            "INSERT INTO metadata.civic_os_users_private (id, display_name, email)"
            " VALUES (%s, %s, %s)",
            (user_id, name, f"{name.split()[0].lower()}.{i}@example.org"),
        )
        users.append(user_id)
    conn.execute(
        "INSERT INTO metadata.notification_templates"
        " (name, description, subject_template, html_template, text_template)"
        " VALUES (%s, 'Sent when an issue changes status', %s, %s, %s)",
        (TEMPLATE, SUBJECT, HTML, TEXT),
    )
    return Prepared(users, files)


def enqueue(conn: psycopg.Connection, prepared: Prepared, mix: Mix) -> None:
    """Every producer call of the mix, shuffled like traffic from many users."""
    calls: list[tuple[str, tuple[object, ...]]] = []
    for i in range(mix.presign):
        name, kind = UPLOADS[i % len(UPLOADS)]
        calls.append((UPLOAD, (str(200 + i), name, kind)))
    for file_id, key, sample in prepared.files:
        entity_id = key.split("/")[1]
        size = len(sample.data)
        calls.append(
            (FILE, (file_id, entity_id, sample.file_name, sample.file_type, size, BUCKET, key))
        )
    for i in range(mix.notifications):
        entity = {
            "id": 300 + i % 50,
            "display_name": ISSUES[i % len(ISSUES)],
            "status": STATUSES[i % len(STATUSES)],
            "note": NOTE if i % 4 == 0 else "",
        }
        user = prepared.users[i % len(prepared.users)]
        calls.append((NOTIFY, (user, TEMPLATE, str(entity["id"]), Jsonb(entity))))
    random.Random(6).shuffle(calls)
    for statement, params in calls:
        conn.execute(statement, params)
