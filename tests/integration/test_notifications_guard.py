"""Never sent twice: retries, rescues, crashes and duplicate jobs around the delivery claim."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg

from tests.support.notifications import Worker, add_user, notification, notify, settings
from tests.support.smtp_server import smtp_server
from tests.support.worker_harness import run_handler
from workers.notifications.spec import SPEC


def age_claim(db: psycopg.Connection, nid: int) -> None:
    """Pretend the lease of the attempt holding the claim ran out."""
    db.execute(
        "UPDATE metadata.notifications SET sent_at = sent_at - interval '1 hour' WHERE id = %s",
        (nid,),
    )


def test_sent_notification_is_not_sent_again(civic, mail, worker) -> None:
    nid, args = notify(civic, add_user(civic))
    assert worker.run("send_notification", args).state == "completed"
    assert worker.run("send_notification", args, attempt=2).state == "completed"
    assert len(mail.messages) == 1 and notification(civic, nid)["status"] == "sent"


def test_crash_after_delivery_is_not_resent(civic, mail, worker, db_url) -> None:
    nid, args = notify(civic, add_user(civic), channels=("email",))
    real = worker.handlers["send_notification"]

    def crashes_before_commit(job, ctx):
        real(job, ctx)
        raise RuntimeError("worker process exited (signal 9)")

    outcome = run_handler(SPEC, crashes_before_commit, db_url, kind="send_notification", args=args)
    assert outcome.state == "error" and len(mail.messages) == 1
    row = notification(civic, nid)
    assert row["status"] == "pending" and row["sent_at"] is not None
    assert row["channels_sent"] == ["email"]  # recorded the moment SMTP accepted it
    # Rescued at once: the claim may belong to a live attempt, so wait for its lease.
    assert worker.run("send_notification", args, attempt=2).state == "snoozed"
    age_claim(civic, nid)
    assert worker.run("send_notification", args, attempt=3).state == "completed"
    row = notification(civic, nid)
    assert row["status"] == "sent" and row["channels_sent"] == ["email"]
    assert "interrupted" in row["error_message"] and len(mail.messages) == 1


def test_crash_with_unknown_outcome_fails_instead_of_resending(civic, mail, worker) -> None:
    nid, args = notify(civic, add_user(civic))
    civic.execute(
        "UPDATE metadata.notifications SET sent_at = now() - interval '1 hour' WHERE id = %s",
        (nid,),
    )
    outcome = worker.run("send_notification", args)
    assert outcome.state == "cancelled" and "interrupted" in outcome.error
    row = notification(civic, nid)
    assert row["status"] == "failed" and row["sent_at"] is None and mail.messages == []


def test_claim_lease_follows_the_job_timeout(civic, mail, worker) -> None:
    nid, args = notify(civic, add_user(civic))
    civic.execute(
        "UPDATE metadata.notifications SET sent_at = now() - interval '100 seconds' WHERE id = %s",
        (nid,),
    )
    # 100 s old: inside the lease of a 60 s job (60 + 60 s grace), outside that of a 10 s one.
    assert worker.run("send_notification", args, timeout=60).state == "snoozed"
    assert worker.run("send_notification", args, timeout=10).state == "cancelled"
    assert mail.messages == []


def test_duplicate_jobs_for_one_notification_deliver_once(civic, mail, worker) -> None:
    nid, args = notify(civic, add_user(civic))
    with ThreadPoolExecutor(8) as pool:
        states = list(pool.map(lambda _: worker.run("send_notification", args).state, range(8)))
    assert len(mail.messages) == 1
    assert set(states) <= {"completed", "snoozed"} and "completed" in states
    assert notification(civic, nid)["status"] == "sent"


def test_fifty_notifications_with_ten_threads(civic, mail, worker) -> None:
    users = [add_user(civic, f"user{i}@mail.test") for i in range(50)]
    jobs = [notify(civic, user, entity={"name": f"n{i}"}) for i, user in enumerate(users)]
    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(lambda job: worker.run("send_notification", job[1]), jobs))
    assert [o.state for o in outcomes] == ["completed"] * 50
    delivered = Counter(m.rcpt_tos[0] for m in mail.messages)
    assert delivered == Counter(f"user{i}@mail.test" for i in range(50))
    statuses = civic.execute(
        "SELECT status, count(*) FROM metadata.notifications GROUP BY 1"
    ).fetchall()
    assert statuses == [("sent", 50)]
    subjects = {m.rcpt_tos[0]: m.message["Subject"] for m in mail.messages}
    assert subjects["user7@mail.test"] == "Hi n7"


def test_lost_reply_to_data_fails_instead_of_retrying(civic, db_url) -> None:
    with smtp_server(drop_after_data=True) as server:
        worker = Worker(db_url, settings(server.port))
        nid, args = notify(civic, add_user(civic))
        outcome = worker.run("send_notification", args)
        worker.close()
    assert outcome.state == "cancelled" and len(server.messages) == 1
    row = notification(civic, nid)
    assert row["status"] == "failed" and "may have accepted" in row["error_message"]
