"""MIME messages built once and sent byte-for-byte by either transport.

Python's `email` package gives what the Go worker hand-built wrongly: RFC 2047 encoded
subjects and display names, quoted-printable/base64 bodies instead of "7bit" UTF-8, and a
fixed header order. CR or LF in any address or the subject is refused before anything is
built: a rendered subject or a job argument must never be able to add a header.
"""

from __future__ import annotations

import email.policy
import email.utils
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage

from workers.notifications.transient import DeliveryError

_POLICY = email.policy.SMTP.clone(cte_type="7bit")
# Extra headers (List-Unsubscribe) are stored raw and written as given: the folder would
# otherwise break `List-Unsubscribe: <long URL>` right after the colon. Headers built by the
# email package (Subject, addresses) are still folded and RFC 2047 encoded at 78 columns.
_WIRE = _POLICY.clone(refold_source="none")


class HeaderInjection(DeliveryError):  # noqa: N818 - a DeliveryError, named for what it refuses
    """CR/LF in an address or the subject: never retried."""

    def __init__(self, what: str) -> None:
        super().__init__(f"header injection refused: line break in {what}", transient=False)


@dataclass(frozen=True)
class Mailbox:
    """An address as configured (`"Name" <addr>` or bare) and its envelope form."""

    display_name: str
    addr: str

    @property
    def domain(self) -> str:
        return self.addr.rpartition("@")[2]

    def header(self) -> Address:
        local, _, domain = self.addr.rpartition("@")
        return Address(display_name=self.display_name, username=local, domain=domain)


def check_header_value(value: str, what: str) -> None:
    if "\r" in value or "\n" in value:
        raise HeaderInjection(what)


def parse_mailbox(value: str, what: str) -> Mailbox:
    """Parse `"Name" <addr>` or `addr`; ValueError names `what` when it is not an address."""
    check_header_value(value, what)
    header = _POLICY.header_factory("To", value.strip())
    found = header.addresses
    if header.defects or len(found) != 1 or "." not in found[0].domain.strip("."):
        raise ValueError(f"{what} is not a single valid email address: {value!r}")
    return Mailbox(found[0].display_name, found[0].addr_spec)


def recipient(value: str, what: str = "recipient address") -> Mailbox:
    """A recipient from data (preferences, job args): a bad one is a permanent failure."""
    try:
        return parse_mailbox(value, what)
    except ValueError as exc:
        raise DeliveryError(str(exc), transient=False) from None


@dataclass(frozen=True)
class Content:
    subject: str
    text: str
    html: str


def build(
    *,
    sender: Mailbox,
    to: Sequence[Mailbox],
    content: Content,
    cc: Sequence[Mailbox] = (),
    reply_to: Mailbox | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> bytes:
    """A multipart/alternative (text, then HTML) message as CRLF bytes ready for DATA."""
    check_header_value(content.subject, "subject")
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = sender.header()
    msg["To"] = [m.header() for m in to]
    if cc:
        msg["Cc"] = [m.header() for m in cc]
    if reply_to is not None:
        msg["Reply-To"] = reply_to.header()
    msg["Subject"] = content.subject
    msg["Date"] = email.utils.format_datetime(datetime.now(UTC))
    msg["Message-ID"] = email.utils.make_msgid(domain=sender.domain or "localhost")
    for name, value in (extra_headers or {}).items():
        check_header_value(value, name)
        if not value.isascii() or len(name) + len(value) > 900:
            raise ValueError(f"header {name} must be ASCII and under 900 characters")
        msg.set_raw(name, value)
    msg.set_content(content.text, charset="utf-8")
    msg.add_alternative(content.html, subtype="html", charset="utf-8")
    return msg.as_bytes(policy=_WIRE)
