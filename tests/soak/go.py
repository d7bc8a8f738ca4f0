"""The soak's Go River client: one process on a queue of its own, killed and restarted.

It stands in for a Go service on the same schema (Civic OS's payment worker): River's SQL,
River's default id on a `civic-*` host, no advisory lock, no heartbeat (tests/go_client.py).
Each incarnation gets a new id, as each Go client start does, so `attempted_by` names the
incarnation that held a job. Its sessions are named `go-soak-client`, outside the
`civic-soak-*` names whose budget of 4 the monitor counts: the budget is the supervisors'.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from tests.support.go_client import spawn

QUEUE = "go_default"
KIND = "go_payment"
APP = "go-soak-client"
WORKERS = 3

RIVER_RESCUE = {
    "maintenance": {"rescue_after": "35s", "rescuer_interval": "1s"},
    "queues": {  # every child's, bench too: the check covers children that do not run
        q: {"job_timeout": "20s"} for q in ("presign", "thumbnails", "notifications", "bench")
    },
}
"""The supervisors' settings that let River's rescuer return a killed Go client's jobs within
the run (River's hour would outlast it). rescue_after must exceed every job_timeout plus
job_timeout_grace (10 s), or a civic job stuck past its deadline could be rescued while its
thread still runs; and it stays above the 30-s target of the dead-client path, so a peer's
rescue of a killed supervisor is still what the soak times."""


class GoWorker:
    def __init__(self, url: str, journal: Path) -> None:
        self.url, self.journal = url, journal
        self.proc: subprocess.Popen[bytes] | None = None
        self.client = ""
        self.ids: list[str] = []
        self.killed: set[str] = set()
        """Ids of incarnations SIGKILLed: the only ones whose jobs may run again."""

    def start(self) -> str:
        self.proc, self.client = spawn(self.url, self.journal, queue=QUEUE, workers=WORKERS,
                                       app=APP)  # fmt: skip
        self.ids.append(self.client)
        return self.client

    def kill(self) -> str:
        """SIGKILL: its running jobs stay `running` under its id until River's rescuer."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.killed.add(self.client)
        return self.client

    def crashed(self) -> str:
        code = self.proc.poll() if self.proc else None
        return "" if code is None else f"Go client {self.client} exited {code}"

    def stop(self, timeout: float = 30.0) -> int:
        """River's soft stop (SIGTERM): in-flight jobs finish; 0 unless it was not running."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
