"""Pure pieces of the notifications worker: E.164, error classes, MIME, startup validation."""

from __future__ import annotations

import email
import email.policy
import smtplib
from typing import Any

import pytest

from workers.notifications import handlers
from workers.notifications.message import Content, HeaderInjection, build, parse_mailbox, recipient
from workers.notifications.sms import to_e164
from workers.notifications.transient import DeliveryError, from_smtp, transient_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(555) 123-4567", "+15551234567"),
        ("5551234567", "+15551234567"),
        ("1-555-123-4567", "+15551234567"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_e164(raw: str, expected: str) -> None:
    assert to_e164(raw) == expected


@pytest.mark.parametrize("raw", ["123", "555-1234", "", "44 20 7946 0958 99"])
def test_e164_rejects_with_a_permanent_error(raw: str) -> None:
    with pytest.raises(DeliveryError) as caught:
        to_e164(raw)
    assert not caught.value.transient


def test_smtp_codes_decide_retry() -> None:
    assert from_smtp(smtplib.SMTPSenderRefused(451, b"try later", "a@b.co"), "MAIL FROM").transient
    assert not from_smtp(smtplib.SMTPDataError(554, b"rejected"), "DATA").transient
    refused = smtplib.SMTPRecipientsRefused({"a@b.co": (550, b"no such user")})
    error = from_smtp(refused, "RCPT TO")
    assert not error.transient and "550 no such user" in str(error)
    assert from_smtp(ConnectionRefusedError(111, "refused"), "connect").transient
    assert not from_smtp(smtplib.SMTPAuthenticationError(535, b"bad"), "AUTH").transient


def test_go_keyword_rule_for_unclassified_errors() -> None:
    assert transient_text("dial tcp: connection refused")
    assert not transient_text("template not found")
    assert transient_text("something odd")  # Go's default is transient


def test_message_is_encoded_multipart_with_all_headers() -> None:
    sender = parse_mailbox('"Pot Hole Tracker" <noreply@example.org>', "SMTP_FROM")
    raw = build(
        sender=sender,
        to=[recipient("Zoë <zoe@example.net>")],
        cc=[recipient("cc@example.net")],
        reply_to=recipient("help@example.org"),
        content=Content("Résumé prêt ✓", "Bonjour Zoë", "<p>Bonjour Zoë</p>"),
        extra_headers={"List-Unsubscribe": "<http://t/u?t=1>"},
    )
    raw.decode("ascii")  # 7-bit clean: encoded headers, QP/base64 bodies
    assert b"\r\n" in raw and b"Subject: =?utf-8?" in raw
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "Résumé prêt ✓"
    assert msg["From"] == "Pot Hole Tracker <noreply@example.org>"
    assert msg["To"] == "Zoë <zoe@example.net>" and msg["Cc"] == "cc@example.net"
    assert msg["Reply-To"] == "help@example.org"
    assert msg["Message-ID"].endswith("@example.org>") and msg["Date"]
    assert msg["List-Unsubscribe"] == "<http://t/u?t=1>"
    assert msg.get_content_type() == "multipart/alternative"
    plain, html = msg.iter_parts()
    assert plain.get_content().rstrip() == "Bonjour Zoë"
    assert html.get_content_type() == "text/html" and "Zoë" in html.get_content()


@pytest.mark.parametrize(
    "bad",
    ["victim@example.org\r\nBcc: all@example.org", "victim@example.org\nX: y"],
)
def test_header_injection_in_an_address_is_permanent(bad: str) -> None:
    with pytest.raises(HeaderInjection) as caught:
        recipient(bad)
    assert not caught.value.transient


def test_header_injection_in_the_subject_is_refused() -> None:
    sender = parse_mailbox("a@example.org", "SMTP_FROM")
    with pytest.raises(HeaderInjection):
        build(
            sender=sender,
            to=[recipient("b@example.org")],
            content=Content("Hi\r\nBcc: x@y.co", "", ""),
        )


@pytest.mark.parametrize("bad", ["a@b.co, c@d.co", "not-an-address", "x@localhost", ""])
def test_recipient_must_be_one_valid_address(bad: str) -> None:
    with pytest.raises(DeliveryError) as caught:
        recipient(bad)
    assert not caught.value.transient


def _settings(**sections: dict) -> dict:
    base: dict[str, dict[str, Any]] = {
        "email": {"transport": "smtp", "smtp_host": "127.0.0.1", "smtp_port": 2525},
        "sms": {"enabled": False},
        "notifications": {"timezone": "UTC"},
    }
    for name, values in sections.items():
        base[name] = {**base[name], **values}
    return base


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ({"email": {"from": "not an address"}}, "SMTP_FROM"),
        ({"email": {"from": "a@example.org\r\nBcc: x@y.co"}}, "SMTP_FROM"),
        ({"email": {"reply_to": "nobody"}}, "SMTP_REPLY_TO"),
        ({"email": {"transport": "ses", "from": "bad"}}, "FROM_EMAIL"),
        ({"email": {"transport": "pigeon"}}, "email.transport"),
        ({"email": {"smtp_port": 0}}, "SMTP_PORT"),
        ({"notifications": {"timezone": "Mars/Olympus"}}, "NOTIFICATION_TIMEZONE"),
        ({"sms": {"enabled": True, "telnyx_api_key": ""}}, "TELNYX_API_KEY"),
        ({"notifications": {"tracking_url": "ftp://x"}}, "TRACKING_URL"),
    ],
)
def test_invalid_settings_are_a_clear_startup_error(sections: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        handlers.make_handlers(_settings(**sections))


def test_valid_settings_register_all_four_kinds_and_never_echo_secrets() -> None:
    settings = _settings(email={"smtp_password": "hunter2-secret", "smtp_username": "u"})
    kinds = handlers.make_handlers(settings)
    assert set(kinds) == {
        "send_notification",
        "send_email",
        "validate_template_parts",
        "preview_template_parts",
    }
    with pytest.raises(ValueError) as caught:
        handlers.make_handlers(_settings(email={"smtp_password": "hunter2-secret", "from": "x"}))
    assert "hunter2" not in str(caught.value)


def test_sms_fake_mode_needs_no_credentials_and_disabled_sms_builds_no_client() -> None:
    fake = handlers.build_services(_settings(sms={"enabled": True, "fake_mode": True}))
    assert fake.sms is not None
    off = handlers.build_services(_settings(sms={"enabled": False, "fake_mode": True}))
    assert off.sms is None
