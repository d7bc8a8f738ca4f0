"""The real supervisor as a subprocess, started and stopped exactly as an operator would.

Readiness is read as systemd reads it: READY=1 on a NOTIFY_SOCKET of our own, sent once every
child is running.

The environment is scrubbed of every Civic OS override: a DATABASE_URL exported in the shell
would otherwise win over the bench's config file and point the load at another database.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from supervisor.config_keys import KEYS, QUEUE_ENV

READY_LINE = "civic-supervisor running"
_SCRUB = {n for k in KEYS for n in k.env} | set(QUEUE_ENV) | {"CIVIC_CONFIG", "CIVIC_ONLY"}


class SupervisorProcess:
    def __init__(self, settings: dict[str, Any], only: list[str] | None = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="civic-bench-"))
        self.config_path = self.dir / "config.yaml"
        self.config_path.write_text(yaml.safe_dump(settings, sort_keys=False))
        self.log_path = self.dir / "supervisor.log"
        self.only = only
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self._log_text: str | None = None
        """The log as it was when the process ended (its directory is removed then)."""
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(str(self.dir / "notify"))

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> SupervisorProcess:
        env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
        env["NOTIFY_SOCKET"] = str(self.dir / "notify")
        args = ["--only", ",".join(self.only)] if self.only else []
        with open(self.log_path, "wb") as log:
            self.started = time.monotonic()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "supervisor.cli", "-c", str(self.config_path), *args],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                process_group=0,
            )  # fmt: skip
        return self

    def log_tail(self, lines: int = 20) -> str:
        text = self._log_text
        if text is None:
            text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_running(self, timeout: float = 30.0) -> float:
        """Seconds from exec to the parent's ready line; RuntimeError if it dies first."""
        deadline = self.started + timeout
        while READY_LINE not in self.log_path.read_text(errors="replace"):
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(
                    f"the supervisor exited during start:\n{self.log_tail()}"
                ) from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"the supervisor did not start in time:\n{self.log_tail()}")
            time.sleep(0.005)
        return time.monotonic() - self.started

    def wait_ready(self, timeout: float = 30.0) -> float:
        """Seconds from exec to READY=1 (every child running, as systemd would see it)."""
        deadline = self.started + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no READY=1 from the supervisor:\n{self.log_tail()}")
            self.notify.settimeout(min(remaining, 0.5))
            try:
                message = self.notify.recv(4096)
            except TimeoutError:
                if self.proc is None or self.proc.poll() is not None:
                    raise RuntimeError(
                        f"the supervisor exited during start:\n{self.log_tail()}"
                    ) from None
                continue
            if b"READY=1" in message.split(b"\n"):
                return time.monotonic() - self.started

    def stop(self, timeout: float = 30.0) -> tuple[int, float]:
        """SIGTERM; (exit code, seconds until the process was gone). Killed after `timeout`."""
        assert self.proc is not None
        began = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            code = self.proc.wait()
        self.notify.close()
        self._log_text = self.log_path.read_text(errors="replace")
        shutil.rmtree(self.dir, ignore_errors=True)
        return code, time.monotonic() - began

    def __enter__(self) -> SupervisorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
