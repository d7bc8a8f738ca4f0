"""The real supervisor as a subprocess, configured for the demo's local services.

It runs exactly as an operator would run it (`python -m supervisor.cli -c config.yaml`), with
every Civic OS environment override scrubbed: a DATABASE_URL or S3_ENDPOINT exported in the
user's shell would otherwise win over the config file and point the demo at real systems.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from supervisor.config_keys import KEYS, QUEUE_ENV
from supervisor.demo.services import S3_KEY, S3_REGION, S3_SECRET
from supervisor.demo.workload import BUCKET

BUDGET = 4
READY_LINE = "civic-supervisor running"
_SCRUB = {n for k in KEYS for n in k.env} | set(QUEUE_ENV) | {"CIVIC_CONFIG", "CIVIC_ONLY"}


def config(db_url: str, s3_endpoint: str, smtp_port: int) -> dict[str, Any]:
    """Production defaults except the endpoints; the bench child stays off."""
    return {
        "database": {"url": db_url, "max_conns": BUDGET},
        "queues": {"bench": {"enabled": False}},
        "s3": {
            "bucket": BUCKET,
            "region": S3_REGION,
            "endpoint": s3_endpoint,
            "access_key_id": S3_KEY,
            "secret_access_key": S3_SECRET,
        },
        "email": {
            "transport": "smtp",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "from": "Civic OS demo <noreply@civic-os.org>",
            "timeout_seconds": 10,
        },
        "sms": {"enabled": False},
    }


class SupervisorProcess:
    """`start()` it, `wait_running()`, then `stop()`: SIGTERM and its exit code."""

    def __init__(self, workdir: Path, settings: dict[str, Any]) -> None:
        self.config_path = workdir / "config.yaml"
        self.config_path.write_text(yaml.safe_dump(settings, sort_keys=False))
        self.log_path = workdir / "supervisor.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.exit_code: int | None = None

    def start(self) -> SupervisorProcess:
        env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
        with open(self.log_path, "wb") as log:
            # Own process group: Ctrl-C in the terminal reaches only the demo, which then
            # stops the supervisor once, gracefully (a second signal would mean "now").
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "supervisor.cli", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                process_group=0,
            )
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 12) -> str:
        """The log's last warnings and errors (else its last lines): the temp dir, and the
        log with it, is removed on exit, so this is what a failed run leaves to read."""
        text = self.log_path.read_text(errors="replace").splitlines()
        bad = [line for line in text if " WARNING " in line or " ERROR " in line]
        return "\n".join((bad or text)[-lines:])

    def wait_running(self, deadline: float) -> None:
        """Until the supervisor logs that its children started; RuntimeError if it dies."""
        while READY_LINE not in self.log_path.read_text(errors="replace"):
            if not self.alive:
                raise RuntimeError(f"the supervisor exited during start:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the supervisor did not start in time:\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self, timeout: float = 30.0) -> int:
        """Graceful stop; a supervisor that does not exit in time is killed (exit code -9)."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.exit_code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.exit_code = self.proc.wait()
        return self.exit_code

    def __enter__(self) -> SupervisorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
