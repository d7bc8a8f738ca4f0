"""The soak's world: a Civic OS database as shipped, real S3 and SMTP behind cuttable proxies.

The database starts as Civic OS ships it (River schema version 6, `tests/fixtures`), is
migrated to 7 and gets the Civic OS tables and triggers the workers serve, exactly as the
demo builds its own. An audit trigger then records every write that moves an upload, file or
notification row to a final-looking status, so the check can count how often each effect
happened instead of trusting the last value it sees.
"""

from __future__ import annotations

import asyncio
import email.policy
import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from typing import Any
from urllib.parse import urlparse

import psycopg
from aiosmtpd.controller import Controller
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from supervisor.demo.workload import install_schema
from tests.support.cut_proxy import CutProxy
from tests.support.database import CIVIC_V6
from tests.support.s3_server import moto_s3, settings
from tests.support.smtp_server import free_port

BUCKET = "civic-os-files"

AUDIT = """
CREATE TABLE public.soak_effects (
  id bigserial PRIMARY KEY, tbl text NOT NULL, row_id text NOT NULL,
  old_status text, new_status text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE FUNCTION public.soak_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  n text := to_jsonb(NEW) ->> TG_ARGV[0];
BEGIN
  IF n IN ('completed', 'sent', 'failed') THEN
    INSERT INTO public.soak_effects (tbl, row_id, old_status, new_status)
    VALUES (TG_TABLE_NAME, NEW.id::text, to_jsonb(OLD) ->> TG_ARGV[0], n);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER soak_audit AFTER UPDATE ON metadata.file_upload_requests
  FOR EACH ROW EXECUTE FUNCTION public.soak_audit('status');
CREATE TRIGGER soak_audit AFTER UPDATE ON metadata.files
  FOR EACH ROW EXECUTE FUNCTION public.soak_audit('thumbnail_status');
CREATE TRIGGER soak_audit AFTER UPDATE ON metadata.notifications
  FOR EACH ROW EXECUTE FUNCTION public.soak_audit('status');
"""


def civic_database(admin_url: str) -> str:
    """A new database holding Civic OS's River v6, migrated to 7, its tables and the audit."""
    name = f"soak_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = make_conninfo(admin_url, dbname=name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(CIVIC_V6.read_text())
        install_schema(conn)  # migrate() sees version 6 and adds step 7 only
        conn.execute(AUDIT)
    return url


def drop_database(admin_url: str, url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {conninfo_to_dict(url)['dbname']} WITH (FORCE)")


@dataclass(frozen=True)
class Mail:
    at: float
    """time.time() when the server had the whole message (before its reply to DATA)."""
    subject: str
    rcpts: tuple[str, ...]


@dataclass
class MailCounter:
    """aiosmtpd handler: every message the server took, with when it had all of it.

    A message counts from the moment its DATA is complete: a server may deliver it from then
    on even if the client never reads the reply. The reply then takes 50-400 ms, as a real
    relay's does (SES answers in about that), which keeps deliveries in flight long enough
    for kills and cuts to land inside them.
    """

    received: list[Mail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(default_factory=lambda: random.Random(25))

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw: bytes = envelope.original_content or envelope.content
        head = BytesParser(policy=email.policy.default).parsebytes(raw, headersonly=True)
        mail = Mail(time.time(), str(head["Subject"] or ""), tuple(envelope.rcpt_tos))
        with self.lock:
            self.received.append(mail)
        await asyncio.sleep(self.rng.uniform(0.05, 0.4))
        return "250 Message accepted"

    def snapshot(self) -> list[Mail]:
        with self.lock:
            return list(self.received)


@dataclass
class Services:
    s3_endpoint: str
    """moto itself, for the soak's own uploads and checks (never cut)."""
    s3_client: Any
    s3_cut: CutProxy
    smtp_cut: CutProxy
    mail: MailCounter

    def worker_config(self) -> dict[str, Any]:
        """The `s3` and `email` sections: the workers reach both only through the proxies."""
        return {
            "s3": settings(f"http://127.0.0.1:{self.s3_cut.port}", BUCKET),
            "email": {
                "smtp_host": "127.0.0.1",
                "smtp_port": self.smtp_cut.port,
                "from": "Civic Soak <noreply@civic.test>",
                "timeout_seconds": 10,
            },
            "sms": {"enabled": False},
        }

    def outage(self) -> None:
        self.s3_cut.cut()
        self.smtp_cut.cut()

    def recover(self) -> None:
        self.s3_cut.restore()
        self.smtp_cut.restore()


@contextmanager
def services() -> Iterator[Services]:
    """moto S3 (with the SigV4 presign check) and an SMTP server, each behind a CutProxy."""
    with moto_s3() as (endpoint, client):
        client.create_bucket(Bucket=BUCKET)
        mail = MailCounter()
        controller = Controller(mail, hostname="127.0.0.1", port=free_port())
        controller.start()
        s3_cut = CutProxy("127.0.0.1", urlparse(endpoint).port or 80)
        smtp_cut = CutProxy("127.0.0.1", controller.port)
        try:
            yield Services(endpoint, client, s3_cut, smtp_cut, mail)
        finally:
            s3_cut.close()
            smtp_cut.close()
            controller.stop()
