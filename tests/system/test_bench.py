"""Smoke test of `civic-supervisor bench`: it runs, every job completes and the connection
ceiling holds. No speed thresholds: speed is measured by the command, side by side, never by
a test (CI machines are shared and their numbers drift)."""

from __future__ import annotations

import json
import subprocess
import sys


def test_bench_smoke() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "supervisor.cli", "bench", "--jobs", "2000", "--latency-jobs", "40",
         "--rate", "100", "--raw", "--json"],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    burn = report["burndown"]
    for run in ("supervisor", "raw"):
        assert burn[run]["jobs"] == burn[run]["completed"] == 2000, burn
        assert burn[run]["jobs_per_s"] > 0
    assert burn["ratio"] > 0
    conns = report["connections"]
    assert 2 <= conns["peak"] <= conns["max_conns"] == 4, conns
    assert conns["burndown_peak"] <= 4 and conns["idle_peak"] <= 4
    assert set(report["latency"]) == {"notify", "plain", "trigger"}
    for mode, lat in report["latency"].items():
        assert lat["picked_up"] == 40 and lat["left"] == 0, (mode, lat)
        assert set(lat["latency_ms"]) == {"p50", "p95", "p99", "max"}
    assert report["trigger_overhead"]["with_ms"] > 0
    idle = report["memory"]["idle"]
    assert {"parent", "presign", "thumbnails", "notifications"} <= set(idle)
    assert idle["total_rss_mb"] > 0
    life = report["lifecycle"]
    assert life["exit_code"] == life["bench_exit_code"] == 0
    assert life["start_to_ready_s"] > 0 and life["sigterm_exit_s"] > 0
    assert {t[0] for t in _targets(report)} >= {"burn-down / raw", "peak connections"}


def _targets(report: dict) -> list:
    from supervisor.benchmark.report import targets

    return targets(report)
