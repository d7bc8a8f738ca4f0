"""A Go River client beside a leading civic-supervisor, each killed in turn .

The Go client (tests/support/go_client.py) has River's default id on a `civic-*` host, claims and
completes with River's SQL and holds no lock: when it is killed, only River's rescuer may
take its jobs, after `rescue_after`, never a civic-supervisor's dead-client path after
`dead_client_after` (that ran them twice at once, while the Go client still worked them). When the
civic-supervisor is killed instead, its restart recovers its own jobs and leaves the Go
client's alone.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg

from tests.support.database import scalar
from tests.support.go_client import go_problems, journal_runs, spawn
from tests.support.river import insert_jobs, job, states
from tests.support.supervisor_harness import start
from tests.support.wait import wait_for

GO_QUEUE = "go_default"
DEAD_AFTER = 1.0
CONFIG = {
    "maintenance": {
        "elect_interval": "200ms", "scheduler_interval": "200ms", "rescuer_interval": "200ms",
        "rescue_after": "8s", "dead_client_interval": "200ms", "dead_client_after": "1s",
    },
    # rescue_after must exceed every queue's job_timeout, even of children not run (--only)
    "queues": {q: {"job_timeout": "2s"} for q in ("bench", "presign", "thumbnails",
                                                  "notifications")},
}  # fmt: skip
"""Fast maintenance; rescue_after is long enough to see the dead Go client's jobs untouched
for four times dead_client_after first."""


def _leader(db: psycopg.Connection) -> str:
    row = db.execute("SELECT leader_id FROM metadata.river_leader").fetchone()
    return row[0] if row else ""


def _running_of(db: psycopg.Connection, client: str) -> int:
    return scalar(
        db,
        "SELECT count(*) FROM metadata.river_job WHERE state = 'running'"
        " AND attempted_by[array_length(attempted_by, 1)] = %s",
        (client,),
    )


def _bench(db: psycopg.Connection, path: Path, n: int, ms: int = 200) -> list[int]:
    return insert_jobs(db, "journal", n, args=json.dumps({"path": str(path), "ms": ms}))


def _go(db: psycopg.Connection, n: int, ms: int) -> list[int]:
    return insert_jobs(db, "go_payment", n, queue=GO_QUEUE, args=json.dumps({"ms": ms}))


def _all_completed(db: psycopg.Connection, ids: list[int]) -> bool:
    return scalar(
        db,
        "SELECT count(*) FROM metadata.river_job WHERE id = ANY(%s) AND state = 'completed'",
        (ids,),
    ) == len(ids)


def _stop(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.terminate()
    try:
        return proc.wait(15)
    finally:
        if proc.poll() is None:
            proc.kill()


def _check_bench(db: psycopg.Connection, path: Path, ids: list[int]) -> list[dict[str, Any]]:
    """Every bench job completed; of its runs only the last finished, none overlapped."""
    runs = journal_runs(path)
    rows = [job(db, i) for i in ids]
    for row in rows:
        assert row["state"] == "completed", row
        mine = [runs[(row["id"], a)] for a in range(1, row["attempt"] + 1)]
        assert "end" in mine[-1]["events"]
        for prev, run in itertools.pairwise(mine):
            assert "end" not in prev["events"] and prev["last"] < run["start"], row["id"]
    return rows


def test_a_killed_go_client_is_left_to_rivers_rescuer_and_nothing_runs_twice(db_url, db, tmp_path):
    go_journal, bench_journal = tmp_path / "go.jsonl", tmp_path / "bench.jsonl"
    sup = start(db_url, CONFIG)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        wait_for(
            lambda: _leader(db).startswith("civic:"),
            what="a civic-supervisor leading",
            show=lambda: _leader(db),
        )
        bench = _bench(db, bench_journal, 10)
        held, quick = _go(db, 3, 4000), _go(db, 6, 200)  # the long ones are claimed first
        proc, g0 = spawn(db_url, go_journal, workers=3)
        procs.append(proc)
        wait_for(
            lambda: _running_of(db, g0) == 3,
            what="3 jobs running on the Go client",
            show=lambda: _running_of(db, g0),
        )
        time.sleep(0.5)  # mid-work
        proc.kill()
        proc.wait()
        bench += _bench(db, bench_journal, 10)
        time.sleep(4 * DEAD_AFTER)  # dead, lockless, long past dead_client_after
        for i in held:
            row = job(db, i)
            assert (row["state"], row["attempt"], row["attempted_by"]) == ("running", 1, [g0])
        proc, g1 = spawn(db_url, go_journal, workers=3)
        procs.append(proc)
        assert g1 != g0
        bench += _bench(db, bench_journal, 10)
        wait_for(
            lambda: _all_completed(db, held + quick + bench),
            what="every Go and bench job completed",
            show=lambda: states(db),
            timeout=40,
        )
        assert _leader(db).startswith("civic:")
        assert _stop(proc) == 0
    finally:
        for p in procs:
            _stop(p)
        sup.stop()
    runs = journal_runs(go_journal)
    assert go_problems([job(db, i) for i in held + quick], runs, killed={g0}) == []
    for i in held:
        row = job(db, i)
        assert (row["attempt"], row["attempted_by"]) == (2, [g0, g1])
        assert [e["error"] for e in row["errors"]] == ["Stuck job rescued by JobRescuer"]
        assert not runs[(i, 1)]["events"] & {"end", "done"} and "done" in runs[(i, 2)]["events"]
    for i in quick:
        row = job(db, i)
        assert (row["attempt"], row["attempted_by"], row["errors"]) == (1, [g1], None)
    for row in _check_bench(db, bench_journal, bench):
        assert row["attempt"] == 1 and row["errors"] is None
    assert "of dead client" not in sup.log


def test_a_killed_civic_supervisor_recovers_its_own_jobs_and_never_touches_the_go_clients(
    db_url, db, tmp_path
):
    go_journal, bench_journal = tmp_path / "go.jsonl", tmp_path / "bench.jsonl"
    sup = start(db_url, CONFIG)
    proc, g0 = spawn(db_url, go_journal, workers=2)
    restarted = None
    try:
        wait_for(
            lambda: _leader(db).startswith("civic:"),
            what="a civic-supervisor leading",
            show=lambda: _leader(db),
        )
        go = _go(db, 12, 1500)  # 9 s of work on 2 workers: through the kill and the restart
        long = _bench(db, bench_journal, 3, ms=3000)
        wait_for(
            lambda: all(job(db, i)["state"] == "running" for i in long),
            what="every job of long running",
            show=lambda: states(db),
        )
        wait_for(
            lambda: _running_of(db, g0) == 2,
            what="2 jobs running on the Go client",
            show=lambda: _running_of(db, g0),
        )
        first = job(db, long[0])["attempted_by"][-1]
        sup.kill()
        restarted = start(db_url, CONFIG)
        bench = long + _bench(db, bench_journal, 10)
        wait_for(
            lambda: _all_completed(db, go + bench),
            what="every Go and bench job completed",
            show=lambda: states(db),
            timeout=40,
        )
        assert _stop(proc) == 0
    finally:
        _stop(proc)
        if sup.proc.poll() is None:
            sup.stop()
        if restarted is not None:
            restarted.stop()
    assert go_problems([job(db, i) for i in go], journal_runs(go_journal), killed=set()) == []
    for i in go:
        row = job(db, i)
        assert (row["attempt"], row["attempted_by"], row["errors"]) == (1, [g0], None)
    rows = {r["id"]: r for r in _check_bench(db, bench_journal, bench)}
    for i in long:
        assert rows[i]["attempt"] == 2
        assert rows[i]["errors"][0]["error"] == (
            f"civic-supervisor {first} died (its session lock is gone)"
        )
