"""SMTP delivery over a small pool of reused connections, safe for the child's threads.

Each connection is used by one thread at a time (checked out of the pool). A reused
connection may have been closed by the server while idle: such a failure before DATA starts
is retried once on a fresh connection, because nothing has been handed over yet. A connection
lost during DATA is never retried at all (not here, not by the job): the server may already
have the message.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import time
from collections.abc import Sequence

from workers.notifications.transient import DeliveryError, from_smtp

log = logging.getLogger(__name__)
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
_MAX_IDLE_SECONDS = 60.0


class _Stage:
    """Where a send got to, so a failure can be judged safe to retry."""

    def __init__(self) -> None:
        self.step = "connect"
        self.data_started = False


class SmtpTransport:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str = "",
        password: str = "",
        timeout: float = 30.0,
        ca_file: str = "",
        pool_size: int = 4,
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._credentials = (username, password) if username and password else None
        self._tls = ssl.create_default_context(cafile=ca_file or None)
        self._tls.minimum_version = ssl.TLSVersion.TLSv1_2
        self._slots = threading.BoundedSemaphore(pool_size)
        self._lock = threading.Lock()
        self._idle: list[tuple[smtplib.SMTP, float]] = []

    def send(self, envelope_from: str, recipients: Sequence[str], raw: bytes) -> dict[str, str]:
        """Deliver `raw`; returns recipients the server refused while accepting the others."""
        if not self._slots.acquire(timeout=self.timeout):
            raise DeliveryError("no SMTP connection became free in time", transient=True)
        try:
            conn, reused = self._checkout()
            stage = _Stage()
            try:
                refused = _deliver(conn, envelope_from, recipients, raw, stage)
            except Exception as exc:
                if not (reused and _stale_connection(exc, stage)):
                    self._discard_or_keep(conn, exc)
                    raise _classify(exc, stage) from exc
                _close(conn)
                log.info("SMTP connection went away while idle; reconnecting")
                conn, stage = self._connect(), _Stage()
                try:
                    refused = _deliver(conn, envelope_from, recipients, raw, stage)
                except Exception as retry_exc:
                    self._discard_or_keep(conn, retry_exc)
                    raise _classify(retry_exc, stage) from retry_exc
            self._checkin(conn)
            return refused
        finally:
            self._slots.release()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn, _ in idle:
            _close(conn, quit=True)

    def _checkout(self) -> tuple[smtplib.SMTP, bool]:
        now = time.monotonic()
        with self._lock:
            while self._idle:
                conn, since = self._idle.pop()
                if now - since < _MAX_IDLE_SECONDS:
                    return conn, True
                _close(conn)
        return self._connect(), False

    def _checkin(self, conn: smtplib.SMTP) -> None:
        with self._lock:
            self._idle.append((conn, time.monotonic()))

    def _discard_or_keep(self, conn: smtplib.SMTP, exc: Exception) -> None:
        """Keep a connection after a clean SMTP refusal (the session was reset), else drop it."""
        if isinstance(exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
            try:
                conn.rset()
            except Exception:  # noqa: BLE001 - the connection is unusable: drop it
                _close(conn)
            else:
                self._checkin(conn)
                return
        _close(conn)

    def _connect(self) -> smtplib.SMTP:
        step = "connect"
        conn: smtplib.SMTP | None = None
        try:
            if self.port == 465:
                conn = smtplib.SMTP_SSL(
                    self.host, self.port, "localhost", timeout=self.timeout, context=self._tls
                )
            else:
                conn = smtplib.SMTP(self.host, self.port, "localhost", timeout=self.timeout)
            step = "EHLO"
            conn.ehlo()
            encrypted = self.port == 465
            if not encrypted and conn.has_extn("starttls"):
                step = "STARTTLS"
                conn.starttls(context=self._tls)
                conn.ehlo()
                encrypted = True
            if self._credentials:
                if not encrypted and self.host not in _LOCAL_HOSTS:
                    raise DeliveryError(
                        f"refusing to send SMTP credentials to {self.host} without TLS "
                        "(the server offers no STARTTLS; use port 465 or a TLS-capable server)",
                        transient=False,
                    )
                step = "AUTH"
                conn.login(*self._credentials)
            return conn
        except DeliveryError:
            _close(conn)
            raise
        except Exception as exc:
            _close(conn)
            raise from_smtp(exc, step) from exc


def _deliver(
    conn: smtplib.SMTP, envelope_from: str, recipients: Sequence[str], raw: bytes, stage: _Stage
) -> dict[str, str]:
    """MAIL, RCPT for each recipient, DATA; like smtplib.sendmail but tracking the step."""
    stage.step = "MAIL FROM"
    code, resp = conn.mail(envelope_from)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, resp, envelope_from)
    stage.step = "RCPT TO"
    refused: dict[str, tuple[int, bytes]] = {}
    for rcpt in recipients:
        code, resp = conn.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = (code, resp)
    if len(refused) == len(recipients):
        raise smtplib.SMTPRecipientsRefused(refused)
    stage.step, stage.data_started = "DATA", True
    code, resp = conn.data(raw)
    if code != 250:
        raise smtplib.SMTPDataError(code, resp)
    return {
        addr: f"{code} {msg.decode('utf-8', 'replace')}" for addr, (code, msg) in refused.items()
    }


def _classify(exc: Exception, stage: _Stage) -> DeliveryError:
    """Like from_smtp, but a connection lost inside DATA is never retried: the server may
    already have accepted the message, and a retry would deliver it twice."""
    if stage.data_started and not isinstance(exc, smtplib.SMTPResponseException):
        return DeliveryError(
            f"SMTP connection lost during DATA ({type(exc).__name__}: {exc}); the server may "
            "have accepted the message, so it is not retried",
            transient=False,
        )
    return from_smtp(exc, stage.step)


def _stale_connection(exc: Exception, stage: _Stage) -> bool:
    """A reused connection that failed before DATA: the server dropped it while idle."""
    if stage.data_started:
        return False
    if isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError):
        return True
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421


def _close(conn: smtplib.SMTP | None, *, quit: bool = False) -> None:
    if conn is None:
        return
    try:
        if quit:
            conn.quit()
        else:
            conn.close()
    except Exception:  # noqa: BLE001 - closing a broken connection: nothing left to do
        conn.close()
