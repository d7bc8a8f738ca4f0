"""The job-row codec: one column order for the claim, the parent and the child."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any, cast

from proxy import jobrow
from supervisor.river.sql import CLAIM, CLAIMED
from workers.executor import Executor

VALUES: dict[str, Any] = {
    "id": 41, "kind": "noop", "args_json": '{"a": 1}', "attempt": 2, "max_attempts": 5,
    "queue": "civic_bench", "priority": 3, "metadata_json": '{"m": true}',
    "created_at": "2026-01-02T03:04:05.000006+00:00",
    "scheduled_at": "2026-01-02T03:04:06+00:00", "attempted_at": object(), "n_errors": 1,
}  # fmt: skip


def test_the_claim_returns_every_column_of_the_codec_in_its_order() -> None:
    assert set(CLAIMED) == set(jobrow.COLUMNS)
    returning = CLAIM.rsplit("RETURNING", 1)[1]
    assert tuple(re.findall(r" AS (\w+)", returning)) == jobrow.COLUMNS


def test_the_index_constants_name_their_columns() -> None:
    row = [VALUES[c] for c in jobrow.COLUMNS]
    got = {c: row[getattr(jobrow, c.upper())] for c in jobrow.COLUMNS}
    assert got == VALUES


def test_the_wire_is_the_row_without_the_parents_columns() -> None:
    row = tuple(VALUES[c] for c in jobrow.COLUMNS)
    assert jobrow.COLUMNS[jobrow.SENT :] == ("attempted_at", "n_errors")
    assert jobrow.wire([row]) == [row[: jobrow.SENT]]


def test_the_child_reads_a_wire_row_into_the_job_it_names() -> None:
    rpc = cast(Any, SimpleNamespace(query=lambda name, params: []))
    executor = Executor(rpc=rpc, handlers={}, settings={}, max_workers=1, job_timeout=0, child="t")
    (wire,) = jobrow.wire([[VALUES[c] for c in jobrow.COLUMNS]])
    job = executor._entry(wire).job
    assert (job.id, job.kind, job.args, job.attempt, job.max_attempts, job.queue) == (
        41, "noop", {"a": 1}, 2, 5, "civic_bench",
    )  # fmt: skip
    assert (job.priority, job.metadata, job.created_at, job.scheduled_at) == (
        3, {"m": True}, VALUES["created_at"], VALUES["scheduled_at"],
    )  # fmt: skip
