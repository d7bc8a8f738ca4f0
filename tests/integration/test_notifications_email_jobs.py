"""send_email jobs from `metadata.send_email()`: TO/CC, reply_to, bulk rules, test addresses."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.support.database import scalar
from tests.support.notifications import Worker, add_template, settings
from tests.support.smtp_server import Server, free_port


@pytest.fixture(autouse=True)
def newsletter(civic: psycopg.Connection) -> None:
    add_template(civic, "newsletter", is_bulk=True)


@pytest.fixture
def worker(db_url: str, mail: Server) -> Iterator[Worker]:
    w = Worker(db_url, settings(mail.port, email={"reply_to": "Help Desk <help@civic.test>"}))
    yield w
    w.close()


def enqueue(
    db: psycopg.Connection, to: list[str], template: str = "greeting", **kw: object
) -> dict:
    """Call the real RPC; returns the args of the job it inserted."""
    job_id = scalar(
        db,
        "SELECT metadata.send_email(%s, %s, %s, 'issues', '9', %s, %s)",
        (
            to,
            template,
            kw.get("cc", []),
            Jsonb(kw.get("entity", {"name": "Bo"})),
            kw.get("reply_to"),
        ),
    )
    return scalar(db, "SELECT args FROM metadata.river_job WHERE id = %s", (job_id,))


def test_multiple_to_and_cc_with_per_job_reply_to(civic, mail, worker) -> None:
    args = enqueue(
        civic, ["a@mail.test", "b@mail.test"], cc=["c@mail.test"], reply_to="clerk@civic.test"
    )
    assert worker.run("send_email", args).state == "completed"
    (received,) = mail.messages
    assert received.rcpt_tos == ["a@mail.test", "b@mail.test", "c@mail.test"]
    msg = received.message
    assert msg["To"] == "a@mail.test, b@mail.test" and msg["Cc"] == "c@mail.test"
    assert msg["Reply-To"] == "clerk@civic.test" and msg["Subject"] == "Hi Bo"


def test_global_reply_to_when_the_job_has_none(civic, mail, worker) -> None:
    worker.run("send_email", enqueue(civic, ["a@mail.test"]))
    assert mail.messages[0].message["Reply-To"] == "Help Desk <help@civic.test>"
    assert mail.messages[0].message["Cc"] is None


def test_template_deleted_after_enqueue_is_cancelled(civic, mail, worker) -> None:
    args = enqueue(civic, ["a@mail.test"])
    civic.execute("DELETE FROM metadata.notification_templates WHERE name = 'greeting'")
    outcome = worker.run("send_email", args)
    assert outcome.state == "cancelled" and "not found" in outcome.error and mail.messages == []


def test_bulk_template_needs_exactly_one_recipient(civic, mail, worker) -> None:
    outcome = worker.run(
        "send_email", enqueue(civic, ["a@mail.test"], "newsletter", cc=["b@mail.test"])
    )
    assert outcome.state == "cancelled" and mail.messages == []
    assert (
        worker.run("send_email", enqueue(civic, ["a@mail.test"], "newsletter")).state == "completed"
    )
    msg = mail.messages[0].message
    token = civic.execute("SELECT id::text FROM metadata.notification_tracking_tokens").fetchone()[
        0
    ]
    assert msg["List-Unsubscribe"] == f"<https://track.civic.test/t/u?t={token}>"


def test_skip_test_emails_filters_to_and_cc(civic, mail, db_url) -> None:
    worker = Worker(db_url, settings(mail.port, email={"skip_test_emails": True}))
    args = enqueue(civic, ["x@example.com", "real@mail.test"], cc=["y@EXAMPLE.net", "cc@mail.test"])
    assert worker.run("send_email", args).state == "completed"
    # Only CC left after filtering: nothing is sent at all.
    assert (
        worker.run("send_email", enqueue(civic, ["x@example.org"], cc=["cc@mail.test"])).state
        == "completed"
    )
    worker.close()
    assert [m.rcpt_tos for m in mail.messages] == [["real@mail.test", "cc@mail.test"]]


def test_injection_through_reply_to_is_cancelled(civic, mail, worker) -> None:
    args = enqueue(civic, ["a@mail.test"], reply_to="x@civic.test\r\nBcc: all@mail.test")
    outcome = worker.run("send_email", args)
    assert outcome.state == "cancelled" and "header injection" in outcome.error
    assert mail.messages == []


def test_bad_args_are_cancelled(civic, worker) -> None:
    for args in ({"to": [], "template_name": "greeting"}, {"to": "a@b.co"}, None):
        assert worker.run("send_email", args).state == "cancelled"


def test_smtp_down_is_retried(civic, db_url) -> None:
    worker = Worker(db_url, settings(free_port()))
    outcome = worker.run("send_email", enqueue(civic, ["a@mail.test"]))
    assert outcome.state == "error" and "connect" in outcome.error
