"""`civic-supervisor demo`, the README's first command: run as a user would, on no services."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from supervisor import cli


def test_demo_works_every_queue_within_budget_and_cleans_up(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path), "DATABASE_URL": "postgresql://nowhere/x"}
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "supervisor.cli", "demo", "--jobs", "30", "--json",
         "--timeout", "60"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-4000:]
    summary = json.loads(proc.stdout)
    assert summary["ok"] is True and summary["problems"] == []
    mix = summary["mix"]
    assert sum(mix.values()) == 30 and all(n > 0 for n in mix.values())
    assert summary["jobs"]["by_queue"] == {q: {"completed": n} for q, n in mix.items()}
    files = summary["thumbnails"]["files"]
    assert len(files) == mix["thumbnails"]
    assert all(f["status"] == "completed" and len(f["urls"]) == 3 for f in files)
    emails = summary["emails"]
    assert emails["delivered"] == mix["notifications"]
    assert emails["notifications_by_status"] == {"sent": mix["notifications"]}
    assert 2 <= summary["connections"]["peak"] <= 4
    assert summary["supervisor_exit"] == 0
    assert set(summary["jobs"]["latency_ms"]) == set(mix)
    assert "progress:" in proc.stderr  # not a terminal: plain periodic lines
    assert not Path(summary["workdir"]).exists()
    assert list(tmp_path.iterdir()) == []
    assert elapsed < 40, f"the demo took {elapsed:.1f}s"


def test_demo_without_its_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("supervisor.demo.command.missing_extras", lambda: ["aiosmtpd"])
    assert cli.main(["demo"]) == 1
    assert "pip install 'civic-supervisor[demo]'" in capsys.readouterr().err
