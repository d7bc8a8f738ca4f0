"""Entry point of the notifications child: validates settings, builds clients, maps kinds.

River fetches by queue, so this child must handle every kind on `notifications`. Invalid
settings (SMTP_FROM, SMTP_REPLY_TO, NOTIFICATION_TIMEZONE, missing Telnyx credentials) raise
ValueError here, which the runtime reports as the child's startup error. Secrets are never
put in a message.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workers.job import Handler
from workers.notifications import send_email, send_notification, template_jobs
from workers.notifications.mailer import Mailer, Transport
from workers.notifications.message import Mailbox, parse_mailbox
from workers.notifications.rendering import Renderer
from workers.notifications.services import Services
from workers.notifications.sms import SmsSender
from workers.notifications.tracking import TrackingInjector

SMS_TIMEOUT_SECONDS = 10.0


def make_handlers(settings: Mapping[str, Any]) -> dict[str, Handler]:
    services = build_services(settings)
    return {
        "send_notification": functools.partial(send_notification.handle, services),
        "send_email": functools.partial(send_email.handle, services),
        "validate_template_parts": functools.partial(template_jobs.validate, services),
        "preview_template_parts": functools.partial(template_jobs.preview, services),
    }


def build_services(settings: Mapping[str, Any]) -> Services:
    import workers.notifications.render  # noqa: F401 - a missing engine is a startup error

    email = dict(settings.get("email") or {})
    notes = dict(settings.get("notifications") or {})
    timezone = str(notes.get("timezone") or "America/New_York")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"NOTIFICATION_TIMEZONE (notifications.timezone) {timezone!r} is not a known IANA "
            "time zone (e.g. America/New_York, UTC)"
        ) from None
    kind = str(email.get("transport") or "smtp").lower()
    if kind not in ("smtp", "ses"):
        raise ValueError(f"email.transport must be 'smtp' or 'ses', got {kind!r}")
    from_name = "SMTP_FROM" if kind == "smtp" else "FROM_EMAIL"
    sender = _mailbox(email.get("from") or "noreply@civic-os.org", f"{from_name} (email.from)")
    reply = email.get("reply_to") or ""
    reply_to = _mailbox(reply, "SMTP_REPLY_TO (email.reply_to)") if reply else None
    timeout = _positive(email.get("timeout_seconds", 30), "email.timeout_seconds")
    transport = _smtp(email, timeout) if kind == "smtp" else _ses(email, timeout)
    tracking_url = str(notes.get("tracking_url") or "http://localhost:8090")
    tracking = None
    if notes.get("tracking_enabled", True):
        if not tracking_url.startswith(("http://", "https://")):
            raise ValueError(f"TRACKING_URL must be an http(s) URL, got {tracking_url!r}")
        tracking = TrackingInjector(tracking_url)
    renderer = Renderer(
        site_url=str(notes.get("site_url") or "http://localhost:4200"),
        app_title=str(notes.get("app_title") or "Civic OS"),
        api_url=str(notes.get("api_url") or "http://localhost:3000"),
        timezone=timezone,
        static_asset_base=str(notes.get("static_asset_base") or ""),
    )
    mailer = Mailer(transport, sender, reply_to, bool(email.get("skip_test_emails", False)))
    return Services(mailer, renderer, _sms(dict(settings.get("sms") or {})), tracking)


def _mailbox(value: Any, what: str) -> Mailbox:
    try:
        return parse_mailbox(str(value), what)
    except Exception as exc:  # noqa: BLE001 - header injection included: report one way
        raise ValueError(f"{what}: {exc}") from None


def _positive(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0.0
    if number <= 0:
        raise ValueError(f"{what} must be a positive number, got {value!r}")
    return number


def _smtp(email: dict[str, Any], timeout: float) -> Transport:
    from workers.notifications.smtp_transport import SmtpTransport

    host = str(email.get("smtp_host") or "").strip()
    try:
        port = int(email.get("smtp_port", 587))
    except (TypeError, ValueError):
        port = 0
    if not host or not 0 < port < 65536:
        raise ValueError(f"SMTP_HOST/SMTP_PORT must name a server, got {host!r}:{port}")
    return SmtpTransport(
        host=host,
        port=port,
        username=str(email.get("smtp_username") or ""),
        password=str(email.get("smtp_password") or ""),
        timeout=timeout,
        ca_file=str(email.get("smtp_ca_file") or ""),
        pool_size=int(email.get("smtp_pool_size") or 4),
    )


def _ses(email: dict[str, Any], timeout: float) -> Transport:
    from workers.notifications.ses_transport import SesTransport

    return SesTransport(
        region=str(email.get("ses_region") or "us-east-1"),
        access_key_id=str(email.get("ses_access_key_id") or ""),
        secret_access_key=str(email.get("ses_secret_access_key") or ""),
        endpoint=str(email.get("ses_endpoint") or ""),
        timeout=timeout,
    )


def _sms(sms: dict[str, Any]) -> SmsSender | None:
    if not sms.get("enabled", False):
        return None
    fake = bool(sms.get("fake_mode", False))
    api_key = str(sms.get("telnyx_api_key") or "")
    from_number = str(sms.get("telnyx_from_number") or "")
    if not fake and not (api_key and from_number):
        raise ValueError(
            "SMS_ENABLED=true needs TELNYX_API_KEY and TELNYX_FROM_NUMBER (or SMS_FAKE_MODE=true)"
        )
    return SmsSender(
        api_key=api_key,
        from_number=from_number,
        base_url=str(sms.get("telnyx_base_url") or "https://api.telnyx.com"),
        fake=fake,
        timeout=SMS_TIMEOUT_SECONDS,
    )
