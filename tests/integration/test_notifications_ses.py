"""The SES transport through moto's server: raw MIME identical to what SMTP sends."""

from __future__ import annotations

import email
import email.policy
import json
import urllib.request
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.support.notifications import (
    Worker,
    add_template,
    add_user,
    notification,
    notify,
    settings,
)
from tests.support.smtp_server import free_port, smtp_server

REGION = "us-east-1"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    ses = boto3.client(
        "ses",
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id="k",
        aws_secret_access_key="s",
    )
    ses.verify_domain_identity(Domain="civic.test")
    yield url
    server.stop()


def sent_raw(url: str) -> list[dict]:
    with urllib.request.urlopen(f"{url}/moto-api/data.json") as response:
        return json.load(response)["ses"]["RawMessage"]


def ses_settings(url: str, sender: str = '"Civic Test" <noreply@civic.test>') -> dict:
    return settings(
        2525,
        email={
            "transport": "ses",
            "from": sender,
            "ses_region": REGION,
            "ses_endpoint": url,
            "ses_access_key_id": "k",
            "ses_secret_access_key": "s",
        },
    )


def _shape(raw: bytes) -> list:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    headers = [(k, v) for k, v in msg.items() if k not in ("Date", "Message-ID", "Content-Type")]
    return [headers, [(p.get_content_type(), p.get_content()) for p in msg.iter_parts()]]


def test_ses_sends_the_same_message_as_smtp(civic, db_url, moto_url) -> None:
    add_template(civic, "cafe", subject="Café {{.Entity.name}}")
    user = add_user(civic, "ses@mail.test")
    before = len(sent_raw(moto_url))
    worker = Worker(db_url, ses_settings(moto_url))
    nid, args = notify(civic, user, "cafe")
    assert worker.run("send_notification", args).state == "completed"
    worker.close()
    (ses_message,) = sent_raw(moto_url)[before:]
    assert ses_message["source"] == "noreply@civic.test"
    assert "ses@mail.test" in ses_message["destinations"]
    assert notification(civic, nid)["status"] == "sent"
    with smtp_server() as server:
        worker = Worker(db_url, settings(server.port))
        _, args = notify(civic, user, "cafe")
        worker.run("send_notification", args)
        worker.close()
    ses_raw = ses_message["raw_data"].encode()
    assert _shape(ses_raw) == _shape(server.messages[0].raw)
    assert email.message_from_bytes(ses_raw, policy=email.policy.default)["Subject"] == "Café Ada"


def test_ses_rejection_is_permanent(civic, db_url, moto_url) -> None:
    worker = Worker(db_url, ses_settings(moto_url, "noreply@unverified.test"))
    nid, args = notify(civic, add_user(civic))
    outcome = worker.run("send_notification", args)
    worker.close()
    assert outcome.state == "cancelled"
    assert "MessageRejected" in notification(civic, nid)["error_message"]


def test_unreachable_ses_is_transient(civic, db_url) -> None:
    worker = Worker(db_url, ses_settings(f"http://127.0.0.1:{free_port()}"))
    nid, args = notify(civic, add_user(civic))
    assert worker.run("send_notification", args).state == "error"
    worker.close()
    row = notification(civic, nid)
    assert row["status"] == "failed" and row["sent_at"] is None
