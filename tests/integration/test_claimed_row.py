"""A claimed River row, as the claim statement returns it, is the job the child receives."""

from __future__ import annotations

from datetime import datetime

import psycopg

from proxy import jobrow
from supervisor.river.sql import CLAIM, render
from tests.support.river import insert_jobs


def test_the_claim_returns_the_codecs_columns_in_its_order(db: psycopg.Connection) -> None:
    (jid,) = insert_jobs(db, "noop", args='{"a": [1, "é"]}', metadata='{"m": 1}', priority=2)
    params = {"queue": "civic_bench", "max": 1, "client_id": "t", "max_attempted_by": 100}
    cur = db.execute(render(CLAIM, "metadata"), params)
    assert tuple(d.name for d in cur.description or ()) == jobrow.COLUMNS
    row = cur.fetchone()
    assert row is not None
    assert (row[jobrow.ID], row[jobrow.KIND], row[jobrow.QUEUE]) == (jid, "noop", "civic_bench")
    assert (row[jobrow.ATTEMPT], row[jobrow.MAX_ATTEMPTS], row[jobrow.PRIORITY]) == (1, 25, 2)
    assert row[jobrow.ARGS_JSON] == '{"a": [1, "é"]}'
    assert row[jobrow.METADATA_JSON] == '{"m": 1}'
    assert datetime.fromisoformat(row[jobrow.CREATED_AT]) <= datetime.fromisoformat(
        row[jobrow.SCHEDULED_AT]
    )
    assert isinstance(row[jobrow.ATTEMPTED_AT], datetime) and row[jobrow.N_ERRORS] == 0
    (wire,) = jobrow.wire([row])
    assert len(wire) == jobrow.SENT and wire[jobrow.KIND] == "noop"
