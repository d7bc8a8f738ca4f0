"""Smoke test of `civic-supervisor bench`: it runs and the connection ceiling holds. No speed
thresholds here: speed is measured by the command itself, side by side, never by a test."""

from __future__ import annotations

import json
import subprocess
import sys


def test_bench_smoke():
    result = subprocess.run(
        [sys.executable, "-m", "supervisor.cli", "bench", "--jobs", "2000", "--latency-jobs", "40",
         "--rate", "100", "--raw", "--json"],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    sup = report["supervisor"]
    assert sup["jobs"] == 2000 and sup["jobs_per_s"] > 0
    assert 2 <= sup["peak_connections"] <= 4
    assert set(sup["latency"]) == {"notify", "plain_sql"}
    assert all(v["p50_ms"] >= 0 for v in sup["latency"].values())
    assert {"parent", "bench"} <= set(sup["rss_bytes"])
    assert report["raw"]["jobs"] == 2000 and report["ratio_supervisor_to_raw"] > 0
    assert sup["ready_seconds"] > 0 and sup["stop_seconds"] > 0
