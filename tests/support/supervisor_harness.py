"""Run the real `civic-supervisor` as a subprocess against a test database.

Tests talk to it only as an operator would: config file, signals, sd_notify, the database,
/proc. It is started by the runner the demo and the bench use, so a change to how the
supervisor starts is made in one place.
"""

from __future__ import annotations

import signal
import subprocess
from typing import Any

import psutil
import psycopg

from supervisor.runner import SupervisorProcess
from tests.support.wait import wait_for

FAST = {
    "fetch_poll_interval": "100ms",
    "shutdown_timeout": "5s",
    "restart": {"backoff_initial": "200ms", "backoff_max": "2s"},
}

LISTENING = """
SELECT EXISTS (SELECT 1 FROM pg_stat_activity a JOIN pg_locks k ON k.pid = a.pid
               WHERE a.application_name = %s AND k.locktype = 'advisory' AND k.granted)
"""
"""The listener holds its liveness lock: it is LISTENing, and claims are allowed."""


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        out[k] = (
            deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        )
    return out


class Running:
    """A supervisor process; `log` is what it wrote to stdout and stderr."""

    def __init__(
        self, db_url: str, config: dict[str, Any], args: list[str], env: dict[str, str]
    ) -> None:
        self.db_url = db_url
        self.config = deep_merge(deep_merge({"database": {"url": db_url}}, FAST), config)
        self.process = SupervisorProcess(self.config, args=args, env=env).start()
        self.config_path = self.process.config_path
        self.app: str = self.config["database"].get("application_name", "civic-supervisor")

    @property
    def proc(self) -> subprocess.Popen[bytes]:
        assert self.process.proc is not None
        return self.process.proc

    @property
    def log(self) -> str:
        return self.process.log

    def log_tail(self, lines: int = 20) -> str:
        return self.process.log_tail(lines)

    def wait_ready(self, timeout: float = 20.0) -> None:
        """READY=1 (every child running), then, unless poll-only, the listener's lock."""
        self.process.wait_ready(timeout)
        if not self.config["database"].get("poll_only"):
            wait_for(
                self.listening,
                what=f"session '{self.app} listener' holding its lock",
                show=self.log_tail,
                timeout=timeout,
            )

    def listening(self) -> bool:
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            row = conn.execute(LISTENING, (self.app + " listener",)).fetchone()
        return bool(row and row[0])

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
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE %s",
            (self.app + "%",),
        ).fetchone()
        assert row is not None
        return int(row[0])

    def send(self, sig: int = signal.SIGTERM) -> None:
        self.process.send(sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        return self.process.stop(sig, timeout)

    def kill(self) -> None:
        """SIGKILL every child, then the parent."""
        for p in self.children().values():
            p.kill()
        self.process.kill()


def start(
    db_url: str,
    config: dict[str, Any] | None = None,
    *,
    only: str | None = "bench",
    env: dict[str, str] | None = None,
    ready: bool = True,
) -> Running:
    args = ["--only", only] if only else []
    sup = Running(db_url, config or {}, args, env or {})
    if ready:
        sup.wait_ready()
    return sup
