"""The command line on configuration: exit codes, and `check` against a real database."""

from __future__ import annotations

import subprocess
import sys


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "supervisor.cli", *args], capture_output=True,
                          text=True, env=env, timeout=60)  # fmt: skip


def test_cli_exit_codes(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("database:\n  max_conns: x\n")
    result = cli("-c", str(bad))
    assert result.returncode == 78 and "database.max_conns" in result.stderr
    assert cli("-c", str(tmp_path / "missing.yaml")).returncode == 78
    assert cli("--only", "nosuch").returncode == 78
    assert cli("--no-such-flag").returncode == 2
    assert "civic-supervisor 0.1.0" in cli("--version").stdout
    assert "--only thumbnails" in cli("--help").stdout


def test_check_command(db_url, tmp_path, pg_server):
    good = tmp_path / "c.yaml"
    good.write_text(f"database:\n  url: {db_url}\n")
    result = cli("check", "-c", str(good))
    assert result.returncode == 0, result.stdout
    assert "version 7" in result.stdout and "thumbnails: queue thumbnails" in result.stdout
    bare = tmp_path / "bare.yaml"
    bare.write_text(f"database:\n  url: {pg_server.url('postgres')}\n  schema: nowhere\n")
    result = cli("check", "-c", str(bare))
    assert result.returncode == 1 and "run `civic-supervisor migrate`" in result.stdout
    down = tmp_path / "down.yaml"
    down.write_text("database:\n  url: postgresql://u:topsecret@127.0.0.1:1/x\n")
    result = cli("check", "-c", str(down))
    assert result.returncode == 1 and "PROBLEM: database" in result.stdout
    assert "topsecret" not in result.stdout + result.stderr
