"""What the running supervisor does with a child that breaks the RPC's rules.

The misbehaving kinds belong to a test-only worker (tests/example_worker, civic_example.faults)
named in config.yaml by reference, `queues.faults.worker: module:SPEC`, without an entry
point: nothing that injects faults ships with civic-supervisor.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.river import insert_jobs, job, states
from tests.support.supervisor_harness import Running, start
from tests.support.wait import wait_for

SRC = Path(__file__).resolve().parents[1] / "example_worker" / "src"
FAULTS = {"queues": {"faults": {"worker": "civic_example.faults:SPEC"}}}


def _start(db_url: str, only: str) -> Running:
    path = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    return start(db_url, FAULTS, only=only, env={"PYTHONPATH": path})


def test_unregistered_statement_is_refused_and_logged(db_url, db):
    sup = _start(db_url, "faults")
    try:
        (jid,) = insert_jobs(db, "forbidden", max_attempts=1, queue="civic_faults")
        wait_for(lambda: job(db, jid)["state"] == "discarded", what=f"job {jid} discarded")
        assert "is not registered for faults" in job(db, jid)["errors"][0]["error"]
        assert "SECURITY: child faults asked for unregistered statement" in sup.log
        assert db.execute("SELECT to_regclass('metadata.river_job')").fetchone()[0] is not None
    finally:
        assert sup.stop() == 0


def test_protocol_violation_recycles_only_that_child(db_url, db):
    sup = _start(db_url, "faults,bench")
    try:
        pid, bench = sup.children()["faults"].pid, sup.children()["bench"].pid
        (jid,) = insert_jobs(db, "garbage", max_attempts=1, queue="civic_faults")
        wait_for(lambda: job(db, jid)["state"] == "discarded", what=f"job {jid} discarded")
        assert "protocol violation" in job(db, jid)["errors"][0]["error"]
        wait_for(lambda: (c := sup.children().get("faults")) and c.pid != pid,
                 what="faults child restarted")  # fmt: skip
        ids = insert_jobs(db, "noop", 10)
        wait_for(lambda: all(job(db, i)["state"] == "completed" for i in ids),
                 what="10 noop jobs completed on bench")  # fmt: skip
        assert sup.children()["bench"].pid == bench  # the other child never noticed
        assert states(db)["completed"] == 10
    finally:
        assert sup.stop() == 0
