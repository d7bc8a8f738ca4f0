"""Helpers for the notification tests; their fixtures `civic`, `mail` and `worker` are in
tests/integration/conftest.py.

Jobs come from the real producers: rows inserted into `metadata.notifications` (or the
RPCs) fire the Civic OS triggers, and the job's args are read back from `river_job`.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from tests.support.database import scalar
from tests.support.worker_harness import Outcome, run_handler
from workers.civic_schema import sql
from workers.notifications.handlers import make_handlers
from workers.notifications.spec import SPEC

TEMPLATE_HTML = (
    "<html><body><p>Hello {{.Entity.name}} from {{.Metadata.site_name}}</p></body></html>"
)


def apply_schema(db: psycopg.Connection) -> None:
    """Civic OS file and notification tables, unless the database already has them."""
    if scalar(db, "SELECT to_regclass('metadata.files')") is None:
        db.execute(sql("files"))
    if scalar(db, "SELECT to_regclass('metadata.notifications')") is None:
        db.execute(sql("notifications"))


def add_user(
    db: psycopg.Connection, email: str | None = "user@mail.test", phone: str | None = None
) -> str:
    """A user as Civic OS creates one; the trigger adds the default preferences."""
    user_id = str(uuid.uuid4())
    db.execute(
        "INSERT INTO metadata.civic_os_users (id, display_name) VALUES (%s, 'U')", (user_id,)
    )
    db.execute(
        "INSERT INTO metadata.civic_os_users_private (id, display_name, email, phone)"
        " VALUES (%s, 'User', %s, %s)",
        (user_id, email, phone),
    )
    return user_id


def add_template(
    db: psycopg.Connection,
    name: str = "greeting",
    *,
    subject: str = "Hi {{.Entity.name}}",
    html: str = TEMPLATE_HTML,
    text: str = "Hello {{.Entity.name}}",
    sms: str | None = "SMS for {{.Entity.name}}",
    is_bulk: bool = False,
) -> str:
    db.execute(
        "INSERT INTO metadata.notification_templates"
        " (name, subject_template, html_template, text_template, sms_template, is_bulk)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        (name, subject, html, text, sms, is_bulk),
    )
    return name


def notify(
    db: psycopg.Connection,
    user_id: str,
    template: str = "greeting",
    entity: Any = None,
    channels: tuple[str, ...] = ("email",),
) -> tuple[int, dict[str, Any]]:
    """Insert a notification; returns its id and the args the trigger gave its job."""
    entity = {"name": "Ada"} if entity is None else entity
    nid = scalar(
        db,
        "INSERT INTO metadata.notifications (user_id, template_name, entity_type, entity_id,"
        " entity_data, channels) VALUES (%s, %s, 'issues', '7', %s, %s) RETURNING id",
        (user_id, template, Jsonb(entity), list(channels)),
    )
    return nid, job_args(db, "send_notification", notification_id=str(nid))


def job_args(db: psycopg.Connection, kind: str, **match: str) -> dict[str, Any]:
    rows = db.execute(
        "SELECT args FROM metadata.river_job WHERE kind = %s AND queue = 'notifications'"
        " AND args @> %s ORDER BY id DESC LIMIT 1",
        (kind, Jsonb(match)),
    ).fetchall()
    assert rows, f"no {kind} job matching {match}"
    return rows[0][0]


def notification(db: psycopg.Connection, nid: int) -> dict[str, Any]:
    with db.cursor(row_factory=dict_row) as cur:
        row = cur.execute("SELECT * FROM metadata.notifications WHERE id = %s", (nid,)).fetchone()
    assert row is not None, f"no notification {nid}"
    return row


def settings(smtp_port: int, **sections: dict[str, Any]) -> dict[str, dict[str, Any]]:
    base: dict[str, dict[str, Any]] = {
        "email": {
            "transport": "smtp",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "from": '"Civic Test" <noreply@civic.test>',
            "timeout_seconds": 15,  # generous: a loaded 2-core CI box, ten TLS handshakes at once
        },
        "sms": {"enabled": False},
        "notifications": {
            "site_url": "https://civic.test",
            "app_title": "Civic Test",
            "api_url": "https://api.civic.test",
            "timezone": "UTC",
            "tracking_url": "https://track.civic.test/",
        },
    }
    for name, values in sections.items():
        base[name] = {**base[name], **values}
    return base


class Worker:
    """The child's handlers built once from settings, run through the test harness."""

    def __init__(self, db_url: str, config: dict[str, dict[str, Any]]) -> None:
        self.db_url, self.config = db_url, config
        self.handlers = make_handlers(config)

    def run(self, kind: str, args: Any, *, attempt: int = 1, timeout: float = 60.0) -> Outcome:
        return run_handler(
            SPEC,
            self.handlers[kind],
            self.db_url,
            kind=kind,
            args=args,
            settings=self.config,
            attempt=attempt,
            timeout=timeout,
        )

    def close(self) -> None:
        send_email = self.handlers["send_email"]
        assert isinstance(send_email, functools.partial)
        send_email.args[0].close()  # the services the handlers share


def add_file(db: psycopg.Connection, key: str) -> str:
    """A `metadata.files` row for a static asset (staticAsset's originals and crops)."""
    return str(
        scalar(
            db,
            "INSERT INTO metadata.files (entity_type, entity_id, file_name, file_type, file_size,"
            " s3_original_key, thumbnail_status) VALUES ('static', '1', 'f', 'image/png', 1, %s,"
            " 'not_applicable') RETURNING id",
            (key,),
        )
    )
