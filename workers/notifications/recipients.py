"""Where a user's notification goes: email and SMS, from notification_preferences.

Fixes the Go fallback: with no email preference row, or one without an address, the address
comes from `civic_os_users_private.email` (the Go worker read a column that does not exist).
An explicit `enabled = false` is respected even when the row holds no address.
"""

from __future__ import annotations

from dataclasses import dataclass

from workers.job import JobContext


@dataclass(frozen=True)
class Recipient:
    email: str
    email_enabled: bool
    phone: str
    sms_enabled: bool

    def email_skip_reason(self) -> str | None:
        if not self.email_enabled:
            return "email disabled by the user"
        if not self.email:
            return "the user has no email address"
        return None

    def sms_skip_reason(self) -> str | None:
        if not self.sms_enabled:
            return "SMS not enabled by the user (or opted out)"
        if not self.phone:
            return "the user has no phone number"
        return None


def load(ctx: JobContext, user_id: str) -> Recipient:
    row = ctx.query("preferences", user_id=user_id)[0]
    return Recipient(
        email=row["email"].strip(),
        email_enabled=bool(row["email_enabled"]),
        phone=row["phone"].strip(),
        sms_enabled=bool(row["sms_enabled"]),
    )
