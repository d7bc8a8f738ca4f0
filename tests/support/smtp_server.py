"""Real SMTP servers (aiosmtpd) for the notification tests, as context managers.

`smtp_server(...)` runs one on 127.0.0.1 in a thread: plain, with STARTTLS, with AUTH, with
implicit TLS, answering RCPT with a fixed code ("550 ...") to test rejections, or dropping
the connection after taking a message (the reply to DATA is lost).
`free_port()` gives a port where nothing listens (SMTP "down"); start a server on it later
to model the server coming back. Certificates are self-signed for localhost/127.0.0.1.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "mailer", "s3cret-pw"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


@dataclass
class Recorder:
    """aiosmtpd handler that stores every accepted message."""

    rcpt_reply: str | None = None
    drop_after_data: bool = False
    messages: list[Received] = field(default_factory=list)
    sessions: set[int] = field(default_factory=set)
    authenticated: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.sessions.add(id(session))
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
            )
        if self.drop_after_data:  # accepted, but the client never hears so
            server.transport.close()
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
        )
        if ok:
            self.authenticated.append(mechanism)
        return AuthResult(success=ok, handled=False)


@dataclass
class Server:
    host: str
    port: int
    recorder: Recorder

    @property
    def messages(self) -> list[Received]:
        return self.recorder.messages


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Cert:
    cert_file: str
    key_file: str

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx


def make_cert(directory: Path) -> Cert:
    """A self-signed certificate for localhost and 127.0.0.1 (also usable as its own CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    san = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Cert(str(cert_file), str(key_file))


@contextmanager
def smtp_server(
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    starttls: Cert | None = None,
    implicit_tls: Cert | None = None,
    auth: bool = False,
    auth_require_tls: bool = True,
    rcpt_reply: str | None = None,
    drop_after_data: bool = False,
    idle_timeout: float = 300,
) -> Iterator[Server]:
    recorder = Recorder(rcpt_reply=rcpt_reply, drop_after_data=drop_after_data)
    kwargs: dict[str, Any] = {"timeout": idle_timeout}
    if starttls:
        kwargs["tls_context"] = starttls.server_context()
    if implicit_tls:
        kwargs["ssl_context"] = implicit_tls.server_context()
    if auth:
        kwargs.update(authenticator=recorder.authenticate, auth_require_tls=auth_require_tls)
    port = port or free_port(host)
    controller = Controller(
        recorder, hostname=host, port=port, server_hostname="localhost", **kwargs
    )
    controller.start()
    try:
        yield Server(host, port, recorder)
    finally:
        controller.stop()
