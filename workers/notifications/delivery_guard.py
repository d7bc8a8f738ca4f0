""" "Never sent twice": the claim a send_notification attempt takes before any delivery.

The marker lives on the notification row itself, so no Civic OS schema change is needed:
`sent_at` set while `status <> 'sent'` means "an attempt started delivering at sent_at and
has not recorded its outcome". It is taken atomically (`... AND sent_at IS NULL`) just before
the first SMTP/Telnyx call, committed at once (ctx.query, not staged), and every channel that
succeeds is appended to `channels_sent` at once. Every outcome clears it: `sent` (staged with
the job's completion) or `failed` (releases it, so a retry may send again).

A later attempt (retry, rescue, or a duplicate job for the same row) that finds:
- `status = 'sent'`: completes without sending;
- a claim younger than the lease (job timeout + grace): another attempt may still be talking
  to the server, so it snoozes until the lease ends;
- an older claim: the attempt that took it died mid-delivery. Whether the server got the
  message is unknowable, so nothing is resent: the row is closed as `sent` for the channels
  recorded in `channels_sent`, otherwise `failed` with an explanation.
"""

from __future__ import annotations

import time
from typing import Any

from workers.errors import JobCancel, JobSnooze
from workers.job import JobContext

LEASE_GRACE_SECONDS = 60.0


class DeliveryGuard:
    def __init__(self, ctx: JobContext, notification_id: int, channels: list[str]) -> None:
        self.ctx, self.id, self.channels = ctx, notification_id, channels
        self.lease = max(ctx.deadline - time.monotonic(), 0.0) + LEASE_GRACE_SECONDS

    def may_deliver(self) -> bool:
        """False when the notification needs no delivery (already sent, or closed here)."""
        return self._judge(self._state())

    def claim(self) -> bool:
        """Take the claim; False when another attempt's outcome makes delivery unnecessary."""
        for _ in range(2):
            if self.ctx.query("notification_claim", id=self.id):
                return True
            if not self._judge(self._state()):
                return False
        raise JobSnooze(5)

    def channel_sent(self, channel: str) -> None:
        """Record a delivered channel now, so an interrupted attempt still reports it."""
        try:
            self.ctx.query("notification_channel_sent", id=self.id, channel=channel)
        except Exception as exc:  # noqa: BLE001 - the staged final update records it anyway
            self.ctx.log.warning("could not record %s as sent yet: %s", channel, exc)

    def release_failed(self, failed: list[str], error: str) -> None:
        """Mark failed and release the claim now (staged writes are dropped on retry)."""
        self.ctx.query("notification_failed", id=self.id, failed=failed, error=error)

    def _state(self) -> dict[str, Any]:
        rows = self.ctx.query("notification_state", id=self.id)
        if not rows:
            raise JobCancel(f"notification {self.id} does not exist (deleted?)")
        return rows[0]

    def _judge(self, row: dict[str, Any]) -> bool:
        if row["status"] == "sent":
            self.ctx.log.info("notification %s is already sent; not sending again", self.id)
            return False
        if not row["claimed"]:
            return True
        age = float(row["claim_age"])
        if age < self.lease:
            raise JobSnooze(max(1.0, self.lease - age))
        sent = [c for c in row["channels_sent"] if c in self.channels]
        error = (
            f"Delivery interrupted: an attempt started {age:.0f}s ago and never recorded its "
            "result; not resent, to avoid a duplicate"
        )
        unsent = [c for c in dict.fromkeys(self.channels) if c not in sent]
        if sent:
            self.ctx.write(
                "notification_sent", id=self.id, sent=sent, failed=unsent or None, error=error
            )
            return False
        self.ctx.write("notification_failed", id=self.id, failed=unsent, error=error)
        raise JobCancel(error)
