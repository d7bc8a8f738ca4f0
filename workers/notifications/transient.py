"""Whether a delivery failure is worth retrying.

Every transport turns its exceptions into a `DeliveryError` that says so: a retry helps for
connection problems, timeouts, throttling and 4xx SMTP replies; it cannot help for a rejected
recipient (5xx), bad credentials or a malformed message, which must end the notification as
`failed` at once instead of sending the same doomed request five times.
"""

from __future__ import annotations

import smtplib
import socket

_TRANSIENT_WORDS = (
    "timeout", "timed out", "connection", "rate limit", "throttl", "temporar", "unavailable",
    "network", "dial", "refused", "try again",
)  # fmt: skip
_PERMANENT_WORDS = (
    "invalid", "not found", "template", "malformed", "bounce", "complaint", "suppression",
    "authentication failed", "bad credentials",
)  # fmt: skip

_SES_TRANSIENT_CODES = {
    "Throttling", "ThrottlingException", "TooManyRequestsException", "ServiceUnavailable",
    "ServiceUnavailableException", "InternalFailure", "InternalServerError", "RequestTimeout",
    "RequestTimeoutException", "LimitExceededException",
}  # fmt: skip


class DeliveryError(Exception):
    """A channel could not deliver; `transient` says whether a retry may succeed."""

    def __init__(self, message: str, *, transient: bool, opted_out: bool = False) -> None:
        super().__init__(message)
        self.transient = transient
        self.opted_out = opted_out


def transient_text(message: str) -> bool:
    """The Go worker's keyword rule, kept for errors no transport classified."""
    text = message.lower()
    if any(word in text for word in _TRANSIENT_WORDS):
        return True
    return not any(word in text for word in _PERMANENT_WORDS)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, DeliveryError):
        return exc.transient
    return transient_text(str(exc))


def from_smtp(exc: Exception, step: str) -> DeliveryError:
    """Classify an smtplib/socket failure during `step` (e.g. "RCPT TO")."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(
            f"{addr}: {code} {_text(msg)}" for addr, (code, msg) in exc.recipients.items()
        )
        transient = bool(codes) and all(400 <= code < 500 for code in codes)
        return DeliveryError(f"SMTP {step} refused: {detail}", transient=transient)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return DeliveryError(
            f"SMTP authentication failed: {exc.smtp_code} {_text(exc.smtp_error)}", transient=False
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        transient = 400 <= exc.smtp_code < 500 or exc.smtp_code == -1
        return DeliveryError(
            f"SMTP {step} failed: {exc.smtp_code} {_text(exc.smtp_error)}", transient=transient
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError(f"SMTP {step} not supported by the server: {exc}", transient=False)
    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError | socket.timeout):
        return DeliveryError(f"SMTP {step} failed: {type(exc).__name__}: {exc}", transient=True)
    return DeliveryError(f"SMTP {step} failed: {exc}", transient=transient_text(str(exc)))


def from_ses(exc: Exception) -> DeliveryError:
    """Classify a botocore error: throttling, 5xx and connection problems are transient."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        transient = code in _SES_TRANSIENT_CODES or status >= 500 or status == 429
        return DeliveryError(f"SES {code}: {error.get('Message', exc)}", transient=transient)
    name = type(exc).__name__
    if name in ("ReadTimeoutError", "ConnectionClosedError"):
        # The request went out: SES may have accepted it, and a retry could send it twice.
        return DeliveryError(f"SES outcome unknown ({name}: {exc}); not retried", transient=False)
    # Endpoint unreachable, connect timeout, credential lookup: nothing was sent.
    return DeliveryError(f"SES request failed: {name}: {exc}", transient=True)


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
