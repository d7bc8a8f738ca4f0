"""Run the real `civic-supervisor` as a subprocess against a test database.

Tests talk to it only as an operator would: config file, signals, the database, /proc.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import psycopg
import yaml

FAST = {
    "fetch_poll_interval": "100ms",
    "shutdown_timeout": "5s",
    "restart": {"backoff_initial": "200ms", "backoff_max": "2s"},
}


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        out[k] = (
            deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        )
    return out


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


class Running:
    """A supervisor process; `log` collects its stderr in a file for assertions."""

    def __init__(self, db_url: str, config: dict[str, Any], args: list[str], env: dict[str, str]):
        self.dir = Path(tempfile.mkdtemp(prefix="civic-sup-"))
        self.db_url = db_url
        cfg = deep_merge(deep_merge({"database": {"url": db_url}}, FAST), config)
        self.config = cfg
        self.config_path = self.dir / "config.yaml"
        self.config_path.write_text(yaml.safe_dump(cfg))
        self.log_path = self.dir / "supervisor.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        base_env = {
            k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DB_"))
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "supervisor.cli", "-c", str(self.config_path), *args],
            stdout=self._log, stderr=subprocess.STDOUT, env={**base_env, **env},
        )  # fmt: skip
        self.app = cfg.get("database", {}).get("application_name", "civic-supervisor")
        self._final_log: str | None = None

    @property
    def log(self) -> str:
        if self._final_log is not None:
            return self._final_log
        return self.log_path.read_text(errors="replace")

    def _cleanup(self) -> None:
        """Keep the log in memory for assertions; remove the temp dir."""
        self._log.close()
        self._final_log = self.log_path.read_text(errors="replace")
        shutil.rmtree(self.dir, ignore_errors=True)

    def wait_ready(self, children: int, timeout: float = 20.0) -> None:
        wait_for(lambda: "civic-supervisor running" in self.log and len(self.children()) >= children,
                 timeout)  # fmt: skip
        wait_for(
            lambda: (
                self.log.count("listening on") >= 1
                or self.config.get("database", {}).get("poll_only")
            ),
            timeout,
        )

    def children(self) -> dict[str, psutil.Process]:
        """Child processes by name, read from their process titles."""
        out = {}
        try:
            for p in psutil.Process(self.proc.pid).children():
                try:
                    title = " ".join(p.cmdline())
                except psutil.Error:
                    continue
                if title.startswith("civic-supervisor: "):
                    out[title.split()[1]] = p
        except psutil.Error:
            pass
        return out

    def connections(self, conn: psycopg.Connection) -> int:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE %s",
            (self.app + "%",),
        ).fetchone()[0]

    def send(self, sig: int = signal.SIGTERM) -> None:
        self.proc.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            if self._final_log is None:
                self._cleanup()
        return code

    def kill(self) -> None:
        for p in self.children().values():
            p.kill()
        self.proc.kill()
        self.proc.wait()
        if self._final_log is None:
            self._cleanup()


def start(db_url: str, config: dict[str, Any] | None = None, *, only: str | None = "bench",
          env: dict[str, str] | None = None, ready: bool = True) -> Running:  # fmt: skip
    args = ["--only", only] if only else []
    sup = Running(db_url, config or {}, args, env or {})
    if ready:
        n = len(only.split(",")) if only else 1
        sup.wait_ready(n)
    return sup
