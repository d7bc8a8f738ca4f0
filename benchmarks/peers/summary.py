"""The rounds reduced to one row per system (median, highest peak) and judged against the
target: medians, since one disturbed round should not move the figure."""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks.peers.result import Result

TARGET = "civic-supervisor >= 1.0x pgqueuer jobs/s while using fewer connections"


def summarize(rounds: list[list[Result]]) -> list[Result]:
    """Per row: the median jobs/s over the rounds (all rounds kept), the highest peak."""
    summary = []
    for row in zip(*rounds, strict=True):
        rates = [r.jobs_per_s for r in row]
        first = row[0]
        done = all(rate is not None for rate in rates)
        rate = statistics.median(rates) if done else None
        summary.append(Result(
            first.system, first.jobs, min(r.completed for r in row),
            first.jobs / rate if rate else None, rate,
            max(r.peak_connections for r in row), first.settings,
            peak_during_burndown=None if first.peak_during_burndown is None
            else max(r.peak_during_burndown or 0 for r in row),
            rounds=[round(x, 1) if x else None for x in rates],
            peaks=[r.peak_connections for r in row],
        ))  # fmt: skip
    civic = next((r for r in summary if r.system == "civic-supervisor"), None)
    for r in summary:
        if civic and civic.jobs_per_s and r.jobs_per_s:
            r.ratio = r.jobs_per_s / civic.jobs_per_s
    return summary


def verdict(summary: list[Result]) -> dict[str, Any]:
    """The target against every pgqueuer configuration; it holds only if it holds against all."""
    civic = next((r for r in summary if r.system == "civic-supervisor"), None)
    rows = [r for r in summary if r.system.startswith("pgqueuer")]
    if not (civic and civic.jobs_per_s and rows and all(r.jobs_per_s for r in rows)):
        return {"target": TARGET, "holds": None, "against": []}
    against = []
    for r in rows:
        assert r.jobs_per_s  # checked above
        speed = civic.jobs_per_s / r.jobs_per_s
        fewer = civic.peak_connections < r.peak_connections
        against.append({"system": r.system, "civic_over_peer": speed, "faster": speed >= 1.0,
                        "fewer_connections": fewer, "holds": speed >= 1.0 and fewer})  # fmt: skip
    return {"target": TARGET, "holds": all(a["holds"] for a in against), "against": against}
