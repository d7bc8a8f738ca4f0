"""The SMS channel against a local Telnyx stand-in: payload, opt-out, retries, switches."""

from __future__ import annotations

import psycopg
import pytest

from tests.support import telnyx_stub
from tests.support.notifications import (
    Worker,
    add_user,
    notification,
    notify,
    settings,
)
from tests.support.smtp_server import Server, free_port
from tests.support.telnyx_stub import telnyx_stub as stub

API_KEY = "KEY-telnyx-secret"
FROM = "+15550001111"


def sms_user(db: psycopg.Connection) -> str:
    user = add_user(db, "texter@mail.test", phone="5551234567")
    db.execute(
        "UPDATE metadata.notification_preferences SET enabled = true"
        " WHERE user_id = %s AND channel = 'sms'",
        (user,),
    )
    return user


def sms_worker(db_url: str, mail: Server, url: str, **sms: object) -> Worker:
    config = {
        "enabled": True,
        "telnyx_api_key": API_KEY,
        "telnyx_from_number": FROM,
        "telnyx_base_url": url,
        **sms,
    }
    return Worker(db_url, settings(mail.port, sms=config))


def test_sms_is_sent_in_e164_with_bearer_auth(civic, mail, db_url) -> None:
    with stub() as telnyx:
        worker = sms_worker(db_url, mail, telnyx.url)
        nid, args = notify(civic, sms_user(civic), channels=("sms",))
        assert worker.run("send_notification", args).state == "completed"
    (request,) = telnyx.requests
    assert request.path == "/v2/messages"
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.body == {"from": FROM, "to": "+15551234567", "text": "SMS for Ada"}
    row = notification(civic, nid)
    assert row["status"] == "sent" and row["channels_sent"] == ["sms"] and mail.messages == []


@pytest.mark.parametrize(
    "answer", [telnyx_stub.OPTED_OUT, telnyx_stub.OPT_OUT_CODE, telnyx_stub.STOP_BLOCKED]
)
def test_opt_out_answer_records_opt_out_and_keeps_email(civic, mail, db_url, answer) -> None:
    user = sms_user(civic)
    with stub(answer) as telnyx:
        worker = sms_worker(db_url, mail, telnyx.url)
        nid, args = notify(civic, user, channels=("email", "sms"))
        assert worker.run("send_notification", args).state == "completed"
        row = notification(civic, nid)
        assert row["status"] == "sent" and row["channels_sent"] == ["email"]
        assert row["channels_failed"] == ["sms"]
        opted = civic.execute(
            "SELECT sms_opted_out FROM metadata.notification_preferences"
            " WHERE user_id = %s AND channel = 'sms'",
            (user,),
        ).fetchone()[0]
        assert opted is True
        # Opted out: the next notification does not even try the SMS channel.
        _, args = notify(civic, user, channels=("email", "sms"))
        worker.run("send_notification", args)
    assert len(telnyx.requests) == 1 and len(mail.messages) == 2


def test_invalid_number_answer_is_permanent(civic, mail, db_url) -> None:
    with stub(telnyx_stub.INVALID_NUMBER) as telnyx:
        worker = sms_worker(db_url, mail, telnyx.url)
        nid, args = notify(civic, sms_user(civic), channels=("sms",))
        assert worker.run("send_notification", args).state == "cancelled"
    assert notification(civic, nid)["status"] == "failed"


@pytest.mark.parametrize("answer", [telnyx_stub.THROTTLED, telnyx_stub.SERVER_ERROR])
def test_throttling_and_5xx_are_retried(civic, mail, db_url, answer) -> None:
    with stub(answer, telnyx_stub.OK) as telnyx:
        worker = sms_worker(db_url, mail, telnyx.url)
        nid, args = notify(civic, sms_user(civic), channels=("sms",))
        assert worker.run("send_notification", args).state == "error"
        assert notification(civic, nid)["status"] == "failed"
        assert worker.run("send_notification", args, attempt=2).state == "completed"
    assert len(telnyx.requests) == 2 and notification(civic, nid)["status"] == "sent"


def test_sms_disabled_skips_the_channel_instead_of_reporting_it_sent(civic, mail, db_url) -> None:
    with stub() as telnyx:
        worker = Worker(db_url, settings(mail.port, sms={"enabled": False, "fake_mode": True}))
        user = sms_user(civic)
        nid, args = notify(civic, user, channels=("email", "sms"))
        assert worker.run("send_notification", args).state == "completed"
        row = notification(civic, nid)
        assert row["channels_sent"] == ["email"] and row["channels_failed"] is None
        nid, args = notify(civic, user, channels=("sms",))
        assert worker.run("send_notification", args).state == "cancelled"
    assert "SMS is disabled" in notification(civic, nid)["error_message"]
    assert telnyx.requests == []


def test_fake_mode_counts_as_sent_without_calling_telnyx(civic, mail, db_url) -> None:
    with stub() as telnyx:
        worker = sms_worker(db_url, mail, telnyx.url, fake_mode=True)
        nid, args = notify(civic, sms_user(civic), channels=("sms",))
        assert worker.run("send_notification", args).state == "completed"
    assert telnyx.requests == [] and notification(civic, nid)["channels_sent"] == ["sms"]


def test_unreachable_telnyx_is_transient(civic, mail, db_url) -> None:
    worker = sms_worker(db_url, mail, f"http://127.0.0.1:{free_port()}")
    _, args = notify(civic, sms_user(civic), channels=("sms",))
    outcome = worker.run("send_notification", args)
    assert outcome.state == "error" and "Telnyx request failed" in outcome.error
    assert API_KEY not in outcome.error
