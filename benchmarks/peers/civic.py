"""civic-supervisor's run: `civic-supervisor bench`'s burn-down, reused as is, so the figure
is the one BENCHMARKS.md reports for the supervisor."""

from __future__ import annotations

import argparse
from typing import Any

from benchmarks.peers.result import Result, raise_sampler_error
from supervisor.benchmark.resources import ConnectionSampler
from supervisor.benchmark.target import Target


def run_civic(target: Target, n: int, max_workers: int, timeout: float) -> Result:
    """`civic-supervisor bench`'s burn-down, reused as is (no latency runs, no idle children)."""
    from supervisor.benchmark import burndown, latency
    from supervisor.benchmark.command import POLL as FETCH_POLL
    from supervisor.benchmark.runs import bench_child

    args = argparse.Namespace(jobs=n, timeout=timeout, max_workers=max_workers, latency_jobs=0)
    results: dict[str, Any] = {
        "settings": {"fetch_poll_interval_s": FETCH_POLL},
        "burndown": {}, "connections": {}, "memory": {}, "lifecycle": {},
    }  # fmt: skip
    with ConnectionSampler(target.url, target.application_name) as sampler:
        bench_child(target, args, results, sampler, burndown, latency)
    raise_sampler_error(sampler)
    run = results["burndown"]["supervisor"]
    settings = {"child": "bench (noop)", "max_workers": max_workers,
                "max_conns": target.max_conns, "fetch_poll_interval_s": FETCH_POLL}  # fmt: skip
    during = results["connections"]["burndown_peak"]
    return Result("civic-supervisor", n, run["completed"], run["seconds"], run["jobs_per_s"],
                  sampler.peak, settings, peak_during_burndown=during)  # fmt: skip
