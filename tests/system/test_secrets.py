"""Secrets never appear in logs, process titles or child environments (issue: security)."""

from __future__ import annotations

from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.support.river import insert_jobs, job, states
from tests.support.supervisor_harness import start
from tests.support.wait import wait_for

SECRETS = {
    "db": "db-Pa55word-xyzzy",
    "s3": "s3-Secret-Key-plugh",
    "smtp": "smtp-Pa55-quux",
    "telnyx": "telnyx-KEY-frob",
}


def test_configured_secrets_never_leak(db_url, db):
    # the embedded server trusts local connections, so any password works: put one in the URL
    parts = conninfo_to_dict(db_url)
    url = f"postgresql://{parts['user']}:{SECRETS['db']}@{parts['host']}:{parts['port']}/{parts['dbname']}"
    assert make_conninfo(url)
    env = {
        "S3_ACCESS_KEY_ID": "AKIDEXAMPLE", "S3_SECRET_ACCESS_KEY": SECRETS["s3"],
        "S3_ENDPOINT": "http://127.0.0.1:9", "SMTP_PASSWORD": SECRETS["smtp"],
        "SMTP_USERNAME": "user", "TELNYX_API_KEY": SECRETS["telnyx"],
    }  # fmt: skip
    sup = start(url, {"log": {"level": "debug"}}, only="bench,presign", env=env)
    try:
        ids = insert_jobs(db, "fail", 3, args='{"message": "boom"}', max_attempts=1)
        ids += insert_jobs(db, "log", 3)
        (crash,) = insert_jobs(db, "crash", max_attempts=1)
        wait_for(
            lambda: all(job(db, i)["state"] in ("discarded", "completed") for i in [*ids, crash]),
            what="every job discarded or completed",
            show=lambda: states(db),
        )
        titles = " ".join(" ".join(p.cmdline()) for p in sup.children().values())
        environs = b"".join(
            Path(f"/proc/{p.pid}/environ").read_bytes() for p in sup.children().values()
        )
        db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                   " WHERE application_name LIKE 'civic-supervisor%%'")  # fmt: skip
        wait_for(
            lambda: "reconnect" in sup.log or "retrying" in sup.log or "claim on" in sup.log,
            what="a reconnect or retry in the log",
            show=sup.log_tail,
        )
    finally:
        sup.stop()
    errors = " ".join(str(r[0]) for r in db.execute("SELECT errors FROM metadata.river_job"))
    for name, secret in SECRETS.items():
        assert secret not in sup.log, name
        assert secret not in titles, name
        assert secret not in errors, name
        assert secret.encode() not in environs, name
    assert "***@" in sup.log  # the database URL was logged, masked
