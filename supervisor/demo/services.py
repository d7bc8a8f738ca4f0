"""The three local services the demo needs, each a context manager that cleans up after itself.

All listen on 127.0.0.1 only, on free ports, so the demo never collides with (or exposes
anything to) what else runs on the machine.
"""

from __future__ import annotations

import email.policy
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import psycopg

from supervisor.embedded_pg import EmbeddedPostgres

DATABASE = "civic_os"
S3_KEY, S3_SECRET, S3_REGION = "demo-key", "demo-secret", "us-east-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def postgres() -> Iterator[str]:
    """An embedded server in a private temp dir of its own (as root, PostgreSQL runs as another
    user and its parents must be traversable: never nest it in the demo's dir of emails);
    yields the URL of database civic_os."""
    server = EmbeddedPostgres(max_connections=50)
    server.start()
    try:
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        yield server.url(DATABASE)
    finally:
        server.stop(remove=True)


@dataclass(frozen=True)
class S3:
    endpoint: str
    client: Any
    """A boto3 client for the demo's own setup and checks (path-style, demo keys)."""


@contextmanager
def s3() -> Iterator[S3]:
    """moto's S3 as a threaded WSGI server; objects live in this process's memory."""
    import boto3
    from botocore.config import Config
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="demo-s3", daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_port}"
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=S3_REGION,
        aws_access_key_id=S3_KEY,
        aws_secret_access_key=S3_SECRET,
        config=Config(s3={"addressing_style": "path"}),
    )
    try:
        yield S3(endpoint, client)
    finally:
        server.shutdown()
        thread.join()


@dataclass
class Mailbox:
    """aiosmtpd handler: accepts every message, keeps it and writes it as an .eml file."""

    directory: Path
    port: int = 0
    messages: list[tuple[list[str], str]] = field(default_factory=list)
    """(recipients, subject) of each accepted message, in arrival order."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw: bytes = envelope.original_content or envelope.content
        subject = BytesParser(policy=email.policy.default).parsebytes(raw, headersonly=True)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), str(subject["Subject"] or "")))
            number = len(self.messages)
        (self.directory / f"{number:04d}.eml").write_bytes(raw)
        return "250 Message accepted for delivery"

    @property
    def delivered(self) -> int:
        with self.lock:
            return len(self.messages)


@contextmanager
def smtp_sink(directory: Path) -> Iterator[Mailbox]:
    """A plain SMTP server (no TLS, no AUTH) that delivers into `directory`."""
    from aiosmtpd.controller import Controller

    directory.mkdir(parents=True)
    box = Mailbox(directory, _free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
