"""The demo's jobs, produced the way Civic OS produces them: through its SQL functions.

Nothing inserts into river_job directly. `request_upload_url` fires the presign trigger,
`create_file_record(..., 'pending')` the thumbnail trigger, `create_notification` the
notification trigger; like Civic OS's, those triggers send no NOTIFY, so the supervisor finds
the jobs by polling. Each call is its own autocommit statement, as separate API requests are.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from supervisor.demo.media import Sample, samples
from supervisor.migrate import migrate
from workers.civic_schema import sql

BUCKET = "civic-os-files"
TEMPLATE = "issue_status_changed"
SUBJECT = "[{{.Metadata.site_name}}] Issue #{{.Entity.id}} is now {{.Entity.status}}"
HTML = (
    '<p>Hello,</p><p><a href="{{.Metadata.site_url}}/view/issues/{{.Entity.id}}">'
    "{{.Entity.display_name}}</a> is now <strong>{{.Entity.status}}</strong>.</p>"
    "{{if .Entity.note}}{{markdown .Entity.note}}{{end}}"
)
TEXT = (
    'Issue #{{.Entity.id}} "{{.Entity.display_name}}" is now {{.Entity.status}}.\n'
    "{{.Metadata.site_url}}/view/issues/{{.Entity.id}}"
)
NAMES = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov",
         "Donald Knuth", "Frances Allen", "Ken Thompson")  # fmt: skip
ISSUES = ("Pothole on Main St", "Streetlight out at 5th & Elm", "Graffiti on the library wall",
          "Blocked storm drain", "Missing stop sign")  # fmt: skip
STATUSES = ("Received", "In progress", "Resolved")
UPLOADS = (("photo.jpg", "image/jpeg"), ("scan.pdf", "application/pdf"),
           ("plan.png", "image/png"), ("IMG_2041.HEIC", "image/heic"))  # fmt: skip


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
        return {"s3_signer": self.presign, "thumbnails": self.thumbnails,
                "notifications": self.notifications}  # fmt: skip


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
        file_id = str(conn.execute("SELECT public.uuid_generate_v7()").fetchone()[0])
        key = f"issues/{100 + i}/{file_id}/original{sample.extension}"
        s3.put_object(Bucket=BUCKET, Key=key, Body=sample.data, ContentType=sample.file_type)
        files.append((file_id, key, sample))
    users = []
    for i, name in enumerate(NAMES):
        user_id = str(conn.execute("SELECT gen_random_uuid()").fetchone()[0])
        conn.execute("INSERT INTO metadata.civic_os_users (id, display_name) VALUES (%s, %s)",
                     (user_id, name.split()[0]))  # fmt: skip
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
    calls: list[Callable[[], object]] = []
    for i in range(mix.presign):
        name, kind = UPLOADS[i % len(UPLOADS)]
        args = ("issues", str(200 + i), name, kind)
        calls.append(lambda a=args: conn.execute(
            "SELECT public.request_upload_url(%s, %s, %s, %s)", a))  # fmt: skip
    for file_id, key, sample in prepared.files:
        entity_id = key.split("/")[1]
        args = (
            file_id,
            entity_id,
            sample.file_name,
            sample.file_type,
            len(sample.data),
            BUCKET,
            key,
        )
        calls.append(lambda a=args: conn.execute(
            "SELECT public.create_file_record(%s, 'issues', %s, %s, %s, %s, %s, %s, 'pending')",
            a))  # fmt: skip
    for i in range(mix.notifications):
        entity = {"id": 300 + i % 50, "display_name": ISSUES[i % len(ISSUES)],
                  "status": STATUSES[i % len(STATUSES)],
                  "note": "Crew *scheduled*: see the [map](https://example.org/map)." if i % 4 == 0 else ""}  # fmt: skip
        args = (prepared.users[i % len(prepared.users)], TEMPLATE, str(entity["id"]), Jsonb(entity))
        calls.append(lambda a=args: conn.execute(
            "SELECT public.create_notification(%s, %s, 'issues', %s, %s)", a))  # fmt: skip
    random.Random(6).shuffle(calls)
    for call in calls:
        call()
