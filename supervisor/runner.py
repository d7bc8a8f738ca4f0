"""The real supervisor as a subprocess, started, awaited and stopped as an operator would.

One runner for everything that starts a supervisor of its own (the demo, the bench, the
tests): `python -m supervisor.cli -c config.yaml`, ready when it sends READY=1 on a
NOTIFY_SOCKET of ours, as systemd reads it. Readiness is never read from log text: a
reworded log line must not change when a caller thinks the supervisor is up.

The environment is scrubbed of every Civic OS override: a DATABASE_URL or S3_ENDPOINT
exported in the shell would otherwise win over the config file and point the run at real
systems. The process gets its own process group, so Ctrl-C in a terminal reaches only the
caller, which then stops the supervisor once, gracefully (a second signal would mean "now").
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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from supervisor.config import env_names

_SCRUB = env_names() | {"CIVIC_CONFIG", "CIVIC_ONLY"}


class SupervisorProcess:
    """`start()`, `wait_ready()`, `stop()`; or use it as a context manager (start, stop).

    Files (config.yaml, supervisor.log, the notify socket) go in `workdir`, or in a temporary
    directory removed at stop; the log is kept in memory then, for `log` and `log_tail()`.
    """

    def __init__(
        self,
        settings: Mapping[str, Any],
        *,
        workdir: Path | None = None,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._owned = workdir is None
        self.dir = Path(tempfile.mkdtemp(prefix="civic-sup-")) if workdir is None else workdir
        self.config_path = self.dir / "config.yaml"
        self.config_path.write_text(yaml.safe_dump(dict(settings), sort_keys=False))
        self.log_path = self.dir / "supervisor.log"
        self.args = list(args)
        self.env = dict(env or {})
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        """time.monotonic() just before the exec."""
        self.exit_code: int | None = None
        self.stop_seconds: float | None = None
        """Seconds from the stop signal until the process was gone."""
        self.notices: list[str] = []
        """Every sd_notify datagram received so far, in order."""
        self._notify_path = self.dir / "notify"
        self._notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._notify.bind(str(self._notify_path))
        self._final_log: str | None = None

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError("the supervisor was not started")
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> SupervisorProcess:
        env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
        env.update(self.env)
        env["NOTIFY_SOCKET"] = str(self._notify_path)
        with open(self.log_path, "wb") as log:
            self.started = time.monotonic()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "supervisor.cli", "-c", str(self.config_path), *self.args],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                process_group=0,
            )
        return self

    @property
    def log(self) -> str:
        """Everything the supervisor wrote to stdout and stderr so far."""
        if self._final_log is not None:
            return self._final_log
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 20) -> str:
        """The log's last warnings and errors (else its last lines): what a failed start or
        run leaves to read once its directory is gone."""
        text = self.log.splitlines()
        bad = [line for line in text if " WARNING " in line or " ERROR " in line]
        return "\n".join((bad or text)[-lines:])

    def wait_notice(self, field: str, timeout: float = 30.0, *, since: int = 0) -> str:
        """The first datagram from `notices[since]` on, received before or now, with a line
        starting with `field` ("READY=1", "STOPPING=1"). RuntimeError with the log's tail if
        the process exits first, TimeoutError with it after `timeout` seconds."""
        seen = since
        deadline = time.monotonic() + timeout
        while True:
            for notice in self.notices[seen:]:
                if any(line.startswith(field) for line in notice.split("\n")):
                    return notice
            seen = len(self.notices)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {field} from the supervisor in {timeout:g} s; its log:\n"
                                   f"{self.log_tail()}")  # fmt: skip
            self._notify.settimeout(min(remaining, 0.1))
            try:
                self.notices.append(self._notify.recv(4096).decode(errors="replace"))
            except TimeoutError:
                if not self.alive:
                    code = self.proc.returncode if self.proc is not None else None
                    raise RuntimeError(f"the supervisor exited ({code}) before {field}; its log:\n"
                                       f"{self.log_tail()}") from None  # fmt: skip

    def wait_ready(self, timeout: float = 30.0) -> float:
        """Seconds from exec to READY=1, sent once every child is running."""
        self.wait_notice("READY=1", timeout)
        return time.monotonic() - self.started

    def send(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """`sig` (a graceful stop by default) and the exit code; a process still there after
        `timeout` is killed with its process group (exit code -9)."""
        if self.proc is None:
            self._close()
            return 0
        began = time.monotonic()
        self.send(sig)
        try:
            self.exit_code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.exit_code = self.proc.wait()
        self.stop_seconds = time.monotonic() - began
        self._close()
        return self.exit_code

    def kill(self) -> int:
        """SIGKILL the parent alone (its children notice and exit); the exit code (-9)."""
        if self.proc is not None:
            self.proc.kill()
            self.exit_code = self.proc.wait()
        self._close()
        return self.exit_code or 0

    def _close(self) -> None:
        if self._final_log is not None:
            return
        self._notify.setblocking(False)
        while True:  # what is still queued, so `notices` tells everything the process said
            try:
                self.notices.append(self._notify.recv(4096).decode(errors="replace"))
            except BlockingIOError:
                break
        self._notify.close()
        self._final_log = self.log
        if self._owned:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> SupervisorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self._final_log is None:
            self.stop()
