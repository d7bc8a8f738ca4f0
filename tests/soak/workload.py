"""The soak's traffic: Civic OS producers (triggers, no NOTIFY) and River-style inserts.

Each call carries a token the check can find again: the entity id of an upload request or a
notification, a file's id, the `entity_id` of a `send_email` job, the `token` of a job for the
Go client's queue (soak_go; 0.2-1.5 s of work, so its kills land mid-job); every email's subject is
"Soak <token>", so the SMTP server's count is per token. A few inputs are poison on purpose
(a path-traversing entity type, a corrupt JPEG, a user without an address): they must end
`cancelled` with their row `failed`, never retried forever. The producer's own session is
terminated with everyone else's; a call whose outcome it did not hear is looked up by token
afterwards, so the ledger of acknowledged tokens is exact.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from supervisor.demo.workload import FILE, NOTIFY, UPLOAD
from tests.soak.env import BUCKET
from tests.soak.go import KIND as GO_KIND
from tests.soak.go import QUEUE as GO_QUEUE
from tests.support.notifications import add_template, add_user
from tests.support.samples import corrupt_jpeg, encode, jpeg, pdf, photo, transparent_png

TEMPLATE = "soak_note"
RATES = {"upload": 3.0, "notification": 2.0, "send_email": 1.0, "file": 0.5, "go": 1.0}
"""Calls per second of each producer."""
POISON = 0.04
RIVER_INSERT = (
    "INSERT INTO metadata.river_job (kind, args, queue, priority, max_attempts)"
    " VALUES ('send_email', %s, 'notifications', 2, 5)"
)
NOTIFY_INSERT = """SELECT pg_notify('metadata.river_insert', '{"queue": "notifications"}')"""
GO_INSERT = (
    f"INSERT INTO metadata.river_job (kind, args, queue, max_attempts)"
    f" VALUES ('{GO_KIND}', %s, '{GO_QUEUE}', 25)"
)
GO_NOTIFY = f"""SELECT pg_notify('metadata.river_insert', '{{"queue": "{GO_QUEUE}"}}')"""
FOUND = {
    "upload": "SELECT 1 FROM metadata.file_upload_requests WHERE entity_id = %s",
    "file": "SELECT 1 FROM metadata.files WHERE id = %s::uuid",
    "notification": "SELECT 1 FROM metadata.notifications WHERE entity_id = %s",
    "send_email": "SELECT 1 FROM metadata.river_job WHERE kind = 'send_email'"
    " AND args->>'entity_id' = %s",
    "go": f"SELECT 1 FROM metadata.river_job WHERE kind = '{GO_KIND}' AND args->>'token' = %s",
}


def prepare(db: psycopg.Connection) -> list[str]:
    """Users (the last one without an email address: poison) and the template; user ids."""
    text = "Soak {{.Entity.token}}"
    add_template(db, TEMPLATE, subject=text, html=f"<p>{text}</p>", text=text, sms=None)
    return [add_user(db, email=f"user{i}@mail.test") for i in range(8)] + [add_user(db, None)]


class Producer(threading.Thread):
    """Inserts at RATES until `stop()`; `acked` maps kind -> tokens known to be committed."""

    def __init__(self, url: str, s3: Any, users: list[str], seed: int = 1) -> None:
        super().__init__(name="soak-producer", daemon=True)
        self.url, self.s3, self.users = url, s3, users
        self.acked: dict[str, list[str]] = {k: [] for k in RATES}
        self.poison: set[str] = set()
        self.in_doubt_lost = 0
        """Calls that failed with the session and, looked up afterwards, had not committed."""
        self.error = ""
        self._rng = random.Random(seed)
        self._halt = threading.Event()
        self._seq = 0
        self._bodies = [
            ("photo.jpg", "image/jpeg", encode(photo(1600, 1200), "JPEG", quality=90)),
            ("sideways.jpg", "image/jpeg", jpeg(480, 320, orientation=6)),
            ("plan.png", "image/png", transparent_png()),
            ("scan.pdf", "application/pdf", pdf(300, 400)),
        ]
        self._corrupt = corrupt_jpeg()

    def stop(self) -> None:
        self._halt.set()
        self.join(30)

    def run(self) -> None:
        try:
            self._produce()
        except Exception as exc:  # noqa: BLE001 - the soak reports a producer that died early
            self.error = repr(exc)

    def _produce(self) -> None:
        kinds, weights = list(RATES), list(RATES.values())
        conn = self._connect()
        while not self._halt.wait(self._rng.expovariate(sum(weights))):
            kind = self._rng.choices(kinds, weights)[0]
            self._seq += 1
            token = str(uuid.uuid4()) if kind == "file" else f"{kind[0]}{self._seq}"
            poison = self._rng.random() < POISON
            try:
                self._call(conn, kind, token, poison)
            except psycopg.Error:
                conn, found = self._look_up(FOUND[kind], token)
                if not found:
                    self.in_doubt_lost += 1
                    continue
            self.acked[kind].append(token)
            if poison:
                self.poison.add(token)

    def _look_up(self, sql: str, token: str) -> tuple[psycopg.Connection, bool]:
        """A new session, and whether the call whose reply was lost committed."""
        while True:
            conn = self._connect()
            try:
                return conn, conn.execute(sql, (token,)).fetchone() is not None
            except psycopg.Error:
                time.sleep(0.1)

    def _connect(self) -> psycopg.Connection:
        while True:
            try:
                return psycopg.connect(self.url, autocommit=True, application_name="soak-producer")
            except psycopg.OperationalError:
                time.sleep(0.1)

    def _call(self, conn: psycopg.Connection, kind: str, token: str, poison: bool) -> None:
        """One producer call; `token` is what the check will look for (a file's id)."""
        if kind == "upload":
            if poison:
                conn.execute(
                    "SELECT public.request_upload_url('../../etc', %s, 'x.jpg', 'image/jpeg')",
                    (token,),
                )
            else:
                conn.execute(UPLOAD, (token, "photo.jpg", "image/jpeg"))
        elif kind == "file":
            name, mime, body = (
                ("broken.jpg", "image/jpeg", self._corrupt)
                if poison
                else self._rng.choice(self._bodies)
            )
            key = f"issues/{token[:8]}/{token}/original.{name.rsplit('.', 1)[1]}"
            self.s3.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType=mime)
            conn.execute(FILE, (token, token[:8], name, mime, len(body), BUCKET, key))
        elif kind == "notification":
            user = self.users[-1] if poison else self._rng.choice(self.users[:-1])
            conn.execute(NOTIFY, (user, TEMPLATE, token, Jsonb({"token": token})))
        elif kind == "go":
            args = {"token": token, "ms": round(self._rng.uniform(200, 1500))}
            with conn.transaction():
                conn.execute(GO_INSERT, (json.dumps(args),))
                conn.execute(GO_NOTIFY)
        else:
            args = {
                "to": [f"{token}@mail.test"], "cc": [], "template_name": TEMPLATE,
                "entity_type": "issues", "entity_id": token, "entity_data": {"token": token},
                "reply_to": "",
            }  # fmt: skip
            with conn.transaction():
                conn.execute(RIVER_INSERT, (json.dumps(args),))
                conn.execute(NOTIFY_INSERT)
