"""The supervisor under test: a real `civic-supervisor` subprocess, timed through sd_notify.

READY=1 arrives once every child is up, so start-to-ready is measured the way systemd sees
it; SIGTERM-to-exit likewise from outside.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import yaml


class SupervisorProcess:
    def __init__(self, url: str, config: dict) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="civic-bench-"))
        cfg = {"database": {"url": url}, "queues": {"bench": {"enabled": True, "max_workers": 100}},
               "fetch_poll_interval": "1s", **config}  # fmt: skip
        (self.dir / "config.yaml").write_text(yaml.safe_dump(cfg))
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(str(self.dir / "notify"))
        env = {**os.environ, "NOTIFY_SOCKET": str(self.dir / "notify")}
        self.log = open(self.dir / "supervisor.log", "wb")  # noqa: SIM115 - closed in stop()
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "supervisor.cli", "-c", str(self.dir / "config.yaml"), "--only", "bench"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.notify.settimeout(60)
        while not self.notify.recv(4096).startswith(b"READY=1"):
            pass
        self.ready_seconds = time.perf_counter() - started

    def rss(self) -> dict[str, int]:
        parent = psutil.Process(self.proc.pid)
        out = {"parent": parent.memory_info().rss}
        for child in parent.children():
            out[" ".join(child.cmdline()).split(" [")[0].replace("civic-supervisor: ", "")] = (
                child.memory_info().rss
            )
        return out

    def stop(self) -> float:
        """SIGTERM; returns seconds until the process exited."""
        started = time.perf_counter()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)
        seconds = time.perf_counter() - started
        self.log.close()
        self.notify.close()
        return seconds
