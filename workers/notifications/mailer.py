"""Composes and hands one email to the configured transport (SMTP or SES).

Both transports get the same bytes. Test addresses are dropped here (SKIP_TEST_EMAILS) so
both kinds of email job behave alike: with no TO left, nothing is sent and that is success.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Protocol

from workers.notifications import message
from workers.notifications.message import Content, Mailbox

log = logging.getLogger(__name__)
_TEST_DOMAINS = ("@example.com", "@example.org", "@example.net")


class Transport(Protocol):
    def send(self, envelope_from: str, recipients: Sequence[str], raw: bytes) -> dict[str, str]:
        """Deliver; returns refused recipients (the others got it). Raises DeliveryError."""
        ...

    def close(self) -> None: ...


def is_test_address(address: str) -> bool:
    return address.strip().lower().endswith(_TEST_DOMAINS)


class Mailer:
    def __init__(
        self, transport: Transport, sender: Mailbox, reply_to: Mailbox | None, skip_test: bool
    ) -> None:
        self.transport = transport
        self.sender = sender
        self.reply_to = reply_to
        self.skip_test = skip_test

    def send(
        self,
        *,
        to: Sequence[str],
        content: Content,
        cc: Sequence[str] = (),
        reply_to: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> bool:
        """Send to TO and CC; False when nothing was sent because only test addresses remained.

        Raises DeliveryError: permanent for a bad address or header injection.
        """
        if self.skip_test:
            to = [a for a in to if not is_test_address(a)]
            cc = [a for a in cc if not is_test_address(a)]
            if not to:
                log.info("SKIP_TEST_EMAILS: no non-test TO address left; not sending")
                return False
        to_boxes = [message.recipient(a, "TO address") for a in to]
        cc_boxes = [message.recipient(a, "CC address") for a in cc]
        reply = message.recipient(reply_to, "reply_to") if reply_to else self.reply_to
        raw = message.build(
            sender=self.sender,
            to=to_boxes,
            cc=cc_boxes,
            reply_to=reply,
            content=content,
            extra_headers=headers,
        )
        envelope = [m.addr for m in (*to_boxes, *cc_boxes)]
        refused = self.transport.send(self.sender.addr, envelope, raw)
        if refused:
            log.warning("server refused some recipients, delivered to the others: %s", refused)
        return True

    def close(self) -> None:
        self.transport.close()
