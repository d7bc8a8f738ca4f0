"""send_notification end to end: trigger-made jobs, a real database and a real SMTP server."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from tests.support.notifications import (
    Worker,
    add_template,
    add_user,
    notification,
    notify,
    settings,
)
from tests.support.smtp_server import free_port, smtp_server


def test_sends_rendered_email_and_marks_sent(civic, mail, worker) -> None:
    nid, args = notify(civic, add_user(civic, "ada@mail.test"), entity={"name": "Ada Ł"})
    assert worker.run("send_notification", args).state == "completed"
    (received,) = mail.messages
    assert received.rcpt_tos == ["ada@mail.test"] and received.mail_from == "noreply@civic.test"
    msg = received.message
    assert msg["Subject"] == "Hi Ada Ł" and msg["From"] == "Civic Test <noreply@civic.test>"
    plain, html = msg.iter_parts()
    assert plain.get_content().strip() == "Hello Ada Ł"
    assert "<p>Hello Ada Ł from Civic Test</p>" in html.get_content()
    row = notification(civic, nid)
    assert row["status"] == "sent" and row["sent_at"] is not None
    assert row["channels_sent"] == ["email"] and row["channels_failed"] is None
    assert row["error_message"] is None


def test_unknown_template_fails_without_retry(civic, mail, worker) -> None:
    nid, args = notify(civic, add_user(civic))
    args["template_name"] = "deleted_since"
    outcome = worker.run("send_notification", args)
    assert outcome.state == "cancelled" and "not found" in outcome.error
    row = notification(civic, nid)
    assert (
        row["status"] == "failed" and "template 'deleted_since' not found" in row["error_message"]
    )
    assert mail.messages == []


def test_render_error_fails_without_retry(civic, mail, worker) -> None:
    add_template(civic, "broken", subject="{{.Entity.missing.deeper}}")
    nid, args = notify(civic, add_user(civic), "broken")
    assert worker.run("send_notification", args).state == "cancelled"
    row = notification(civic, nid)
    assert row["status"] == "failed" and row["error_message"].startswith("Rendering error:")
    assert row["sent_at"] is None and mail.messages == []


def test_user_without_preferences_falls_back_to_private_email(civic, mail, worker) -> None:
    user = add_user(civic, "fallback@mail.test")
    civic.execute("DELETE FROM metadata.notification_preferences WHERE user_id = %s", (user,))
    nid, args = notify(civic, user)
    assert worker.run("send_notification", args).state == "completed"
    assert [m.rcpt_tos for m in mail.messages] == [["fallback@mail.test"]]
    assert notification(civic, nid)["status"] == "sent"


def test_preference_without_address_falls_back_but_disabled_is_respected(
    civic, mail, worker
) -> None:
    user = add_user(civic, "cup@mail.test")
    civic.execute(
        "UPDATE metadata.notification_preferences SET email_address = NULL WHERE user_id = %s",
        (user,),
    )
    _, args = notify(civic, user)
    assert worker.run("send_notification", args).state == "completed"
    civic.execute(
        "UPDATE metadata.notification_preferences SET enabled = false WHERE user_id = %s", (user,)
    )
    nid, args = notify(civic, user)
    assert worker.run("send_notification", args).state == "cancelled"
    row = notification(civic, nid)
    assert row["status"] == "failed" and "email disabled by the user" in row["error_message"]
    assert len(mail.messages) == 1


def test_user_without_any_address_fails(civic, mail, worker) -> None:
    nid, args = notify(civic, add_user(civic, None))
    assert worker.run("send_notification", args).state == "cancelled"
    assert "no email address" in notification(civic, nid)["error_message"]


def test_smtp_down_retries_then_delivers_exactly_once(civic, db_url) -> None:
    port = free_port()
    worker = Worker(db_url, settings(port))
    nid, args = notify(civic, add_user(civic))
    first = worker.run("send_notification", args)
    assert first.state == "error" and "All channels failed" in first.error
    row = notification(civic, nid)
    assert row["status"] == "failed" and "connect" in row["error_message"]
    assert row["sent_at"] is None  # the claim is released: the retry may send
    with smtp_server(port=port) as server:
        assert worker.run("send_notification", args, attempt=2).state == "completed"
        assert worker.run("send_notification", args, attempt=3).state == "completed"
    worker.close()
    assert len(server.messages) == 1
    assert notification(civic, nid)["status"] == "sent"


def test_permanent_smtp_rejection_fails_for_good(civic, db_url) -> None:
    with smtp_server(rcpt_reply="550 5.1.1 mailbox unavailable") as server:
        worker = Worker(db_url, settings(server.port))
        nid, args = notify(civic, add_user(civic))
        outcome = worker.run("send_notification", args)
        worker.close()
    assert outcome.state == "cancelled"
    row = notification(civic, nid)
    assert row["status"] == "failed" and "550" in row["error_message"]
    assert row["channels_failed"] == ["email"] and server.messages == []


def test_header_injection_through_entity_data_is_refused(civic, mail, worker) -> None:
    nid, args = notify(civic, add_user(civic), entity={"name": "x\r\nBcc: everyone@mail.test"})
    assert worker.run("send_notification", args).state == "cancelled"
    row = notification(civic, nid)
    assert row["status"] == "failed" and "header injection" in row["error_message"]
    assert mail.messages == []


def test_header_injection_through_stored_address_is_refused(civic, mail, worker) -> None:
    user = add_user(civic, "victim@mail.test\r\nBcc: all@mail.test")
    nid, args = notify(civic, user)
    assert worker.run("send_notification", args).state == "cancelled"
    assert "header injection" in notification(civic, nid)["error_message"]
    assert mail.messages == []


def test_malformed_args_are_cancelled(civic, worker) -> None:
    for args in (["not", "an", "object"], {"notification_id": "x"}, {"notification_id": "1"}):
        assert worker.run("send_notification", args).state == "cancelled"


def test_skip_test_emails_counts_as_sent_without_traffic(civic, mail, db_url) -> None:
    worker = Worker(db_url, settings(mail.port, email={"skip_test_emails": True}))
    nid, args = notify(civic, add_user(civic, "someone@example.org"))
    assert worker.run("send_notification", args).state == "completed"
    worker.close()
    assert mail.messages == [] and notification(civic, nid)["channels_sent"] == ["email"]


def test_entity_data_snapshot_is_what_gets_rendered(civic, mail, worker) -> None:
    nid, args = notify(civic, add_user(civic), entity={"name": "Snapshot"})
    civic.execute(
        "UPDATE metadata.notifications SET entity_data = %s WHERE id = %s",
        (Jsonb({"name": "Changed"}), nid),
    )
    worker.run("send_notification", args)
    assert mail.messages[0].message["Subject"] == "Hi Snapshot"
