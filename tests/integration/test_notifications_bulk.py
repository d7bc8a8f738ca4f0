"""Bulk templates: tracking token, CAN-SPAM footer, pixel, List-Unsubscribe, suppression."""

from __future__ import annotations

import re

import psycopg
import pytest

from tests.support.notifications import (
    Worker,
    add_template,
    add_user,
    notification,
    notify,
    settings,
)
from tests.support.smtp_server import Server


@pytest.fixture(autouse=True)
def newsletter(civic: psycopg.Connection) -> None:
    add_template(civic, "newsletter", is_bulk=True)


def run(db_url: str, mail: Server, args: dict, **notes: object) -> str:
    worker = Worker(db_url, settings(mail.port, notifications=notes))
    try:
        outcome = worker.run("send_notification", args)
        assert outcome.state != "error", outcome.error
        return outcome.state
    finally:
        worker.close()


def test_bulk_email_gets_token_footer_pixel_and_unsubscribe_headers(civic, mail, db_url) -> None:
    civic.execute(
        "UPDATE metadata.notification_settings SET organization_address = '1 Main St <Suite 2>'"
    )
    nid, args = notify(civic, add_user(civic, "reader@mail.test"), "newsletter")
    assert run(db_url, mail, args) == "completed"
    token, email, template, snapshot = civic.execute(
        "SELECT id::text, recipient_email, template_name, entity_data_snapshot"
        " FROM metadata.notification_tracking_tokens"
    ).fetchone()
    assert (email, template, snapshot) == ("reader@mail.test", "newsletter", {"name": "Ada"})
    msg = mail.messages[0].message
    assert msg["List-Unsubscribe"] == f"<https://track.civic.test/t/u?t={token}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain, html = msg.iter_parts()
    body = html.get_content()
    assert "You received this email based on your registration." in body
    assert f'href="https://track.civic.test/t/u?t={token}"' in body
    assert f'src="https://track.civic.test/t/o?t={token}"' in body
    assert "1 Main St &lt;Suite 2&gt;" in body
    assert re.search(r"Unsubscribe.*/t/o\?t=.*</body>", body, re.S)  # injected before </body>
    assert "Unsubscribe" not in plain.get_content()
    assert notification(civic, nid)["status"] == "sent"


def test_unsubscribed_recipient_is_suppressed(civic, mail, db_url) -> None:
    civic.execute(
        "INSERT INTO metadata.notification_tracking_tokens (recipient_email, template_name,"
        " unsubscribed) VALUES ('gone@mail.test', 'newsletter', true)"
    )
    nid, args = notify(civic, add_user(civic, "gone@mail.test"), "newsletter")
    assert run(db_url, mail, args) == "completed"
    row = notification(civic, nid)
    assert mail.messages == [] and row["status"] == "sent"
    assert row["channels_sent"] == [] and row["channels_failed"] == []
    # Unsubscribing from one bulk template does not suppress another.
    add_template(civic, "other_bulk", is_bulk=True)
    _, args = notify(civic, add_user(civic, "gone@mail.test"), "other_bulk")
    run(db_url, mail, args)
    assert len(mail.messages) == 1


@pytest.mark.parametrize("switch", ["database", "setting"])
def test_tracking_switched_off_sends_plain_bulk_email(civic, mail, db_url, switch) -> None:
    if switch == "database":
        civic.execute("UPDATE metadata.notification_settings SET tracking_enabled = false")
        notes = {}
    else:
        notes = {"tracking_enabled": False}
    _, args = notify(civic, add_user(civic), "newsletter")
    assert run(db_url, mail, args, **notes) == "completed"
    msg = mail.messages[0].message
    assert msg["List-Unsubscribe"] is None and "/t/o?t=" not in msg.as_string()
    tokens = civic.execute("SELECT count(*) FROM metadata.notification_tracking_tokens").fetchone()[
        0
    ]
    assert tokens == 0


def test_non_bulk_template_is_never_tracked(civic, mail, db_url) -> None:
    add_template(civic, "personal")
    _, args = notify(civic, add_user(civic), "personal")
    run(db_url, mail, args)
    assert mail.messages[0].message["List-Unsubscribe"] is None
    tokens = civic.execute("SELECT count(*) FROM metadata.notification_tracking_tokens").fetchone()[
        0
    ]
    assert tokens == 0
