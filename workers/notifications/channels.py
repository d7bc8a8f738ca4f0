"""Delivers a rendered notification over each requested channel, in the requested order.

A channel is either skipped (with a reason: disabled by the user, SMS off, no SMS text),
sent, or failed with a DeliveryError that says whether a retry could help. With
SMS_ENABLED=false the SMS channel is skipped, never reported as sent (Go reported it sent).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workers.job import JobContext
from workers.notifications.delivery_guard import DeliveryGuard
from workers.notifications.mailer import Mailer
from workers.notifications.message import Content
from workers.notifications.recipients import Recipient
from workers.notifications.rendering import Rendered
from workers.notifications.sms import SmsSender
from workers.notifications.transient import DeliveryError


@dataclass
class Results:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    transient: bool = False

    def fail(self, channel: str, exc: DeliveryError) -> None:
        self.failed.append(channel)
        self.errors.append(f"{channel}: {exc}")
        self.transient = self.transient or exc.transient


def usable(
    channels: list[str], who: Recipient, rendered: Rendered, sms: SmsSender | None
) -> tuple[list[str], list[str]]:
    """(channels to deliver, reasons for the ones skipped)."""
    use: list[str] = []
    skipped: list[str] = []
    for channel in dict.fromkeys(channels):
        if channel == "email":
            reason = who.email_skip_reason()
        elif channel == "sms":
            reason = _sms_skip_reason(who, rendered, sms)
        else:
            reason = "unknown channel"
        if reason:
            skipped.append(f"{channel}: {reason}")
        else:
            use.append(channel)
    return use, skipped


def _sms_skip_reason(who: Recipient, rendered: Rendered, sms: SmsSender | None) -> str | None:
    if sms is None:
        return "SMS is disabled (SMS_ENABLED=false)"
    reason = who.sms_skip_reason()
    if reason is None and not rendered.sms:
        return "the template has no SMS text"
    return reason


def deliver(
    ctx: JobContext,
    *,
    channels: list[str],
    who: Recipient,
    rendered: Rendered,
    mailer: Mailer,
    sms: SmsSender | None,
    headers: dict[str, str],
    guard: DeliveryGuard,
    user_id: str,
) -> Results:
    results = Results()
    for channel in channels:
        try:
            if channel == "email":
                content = Content(rendered.subject, rendered.text, rendered.html)
                mailer.send(to=[who.email], content=content, headers=headers)
            else:
                assert sms is not None
                sms.send(who.phone, rendered.sms)
        except DeliveryError as exc:
            ctx.log.warning("%s delivery failed: %s", channel, exc)
            results.fail(channel, exc)
            if exc.opted_out:
                _record_opt_out(ctx, user_id)
            continue
        except Exception as exc:  # unknown outcome: fail it, never resend
            ctx.log.exception("%s delivery raised unexpectedly", channel)
            results.fail(channel, DeliveryError(f"unexpected error: {exc!r}", transient=False))
            continue
        results.sent.append(channel)
        guard.channel_sent(channel)
    return results


def _record_opt_out(ctx: JobContext, user_id: str) -> None:
    try:
        ctx.query("sms_opt_out", user_id=user_id)
    except Exception as exc:  # noqa: BLE001 - the delivery outcome matters more
        ctx.log.warning("could not record the SMS opt-out: %s", exc)
