"""A claimed River row, as the claim statement returns it, is the job the child receives."""

from __future__ import annotations

from proxy.protocol import JOB_FIELDS
from proxy.river_sql import CLAIM, render
from tests.support.river import insert_jobs


def test_a_claimed_row_is_the_job_on_the_wire_then_what_the_parent_keeps(db):
    insert_jobs(db, "noop", args='{"a": [1, "é"]}')
    params = {"queue": "civic_bench", "max": 1, "client_id": "t", "max_attempted_by": 100}
    cur = db.execute(render(CLAIM, '"metadata".'), params)
    assert [d.name for d in cur.description] == [*JOB_FIELDS, "attempted_at", "n_errors"]
    row = dict(zip(JOB_FIELDS, cur.fetchone(), strict=False))
    assert row["args_json"] == '{"a": [1, "é"]}' and row["attempt"] == 1
