"""The ceiling: River's claim and completion SQL run directly, with no proxy and no workers.

Three sessions (the pool a 4-connection supervisor has) each loop: claim 100, mark those 100
completed with the statements the completer would use for them. Whatever the supervisor adds on top of
this (frames, a child, threads, futures) shows as the ratio supervisor/raw.
"""

from __future__ import annotations

import threading
import time

from proxy import jobrow
from supervisor.benchmark import jobs
from supervisor.benchmark.progress import Progress
from supervisor.benchmark.target import BENCH_QUEUE, Target
from supervisor.completer import statements
from supervisor.river.sql import CLAIM, render

RAW_NAME = "civic-bench-raw"
SESSIONS = 3
BATCH = 100


def _worker(
    target: Target, go: threading.Event, counts: list[int], slot: int, errors: list[BaseException]
) -> None:
    claim = render(CLAIM, target.schema)
    params = {"queue": BENCH_QUEUE, "max": BATCH, "client_id": RAW_NAME, "max_attempted_by": 100}
    try:
        with target.connect(RAW_NAME) as conn:
            go.wait()
            while True:
                rows = conn.execute(claim, params, prepare=True).fetchall()
                if not rows:
                    return
                done = [(r[jobrow.ID], r[jobrow.ATTEMPT]) for r in rows]
                for template, values in statements(done, []):
                    conn.execute(render(template, target.schema), values, prepare=True)
                counts[slot] += len(done)
    except BaseException as exc:  # noqa: BLE001 - reported by the caller
        errors.append(exc)


def run(target: Target, n: int) -> dict[str, float]:
    """Burn down `n` noop jobs inserted beforehand; jobs/s from commit to the last completion."""
    target.reset()
    go, counts = threading.Event(), [0] * SESSIONS
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_worker, args=(target, go, counts, i, errors), daemon=True)
        for i in range(SESSIONS)
    ]
    for t in threads:
        t.start()  # sessions open before the jobs exist, as the supervisor's pool is
    with target.connect("civic-bench-insert") as conn:
        committed = jobs.insert_bulk(target, conn, n, notify=False)
        go.set()
        progress = Progress("raw SQL burn-down", n)
        while any(t.is_alive() for t in threads):
            progress.update(sum(counts))
            time.sleep(0.1)
        progress.close(sum(counts))
        if errors:
            raise errors[0]
        seconds = (jobs.last_finalized(target, conn) - committed).total_seconds()
        done = jobs.completed(target, conn)
    return {"jobs": n, "completed": done, "seconds": seconds, "jobs_per_s": n / seconds,
            "connections": SESSIONS}  # fmt: skip
