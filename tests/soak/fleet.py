"""Two real supervisors on one schema, each restartable: slot "a" and slot "b".

Every incarnation gets its own client id and application_name (`civic-soak-a0`, then
`civic-soak-a1` after a restart): River's `attempted_by` then names the incarnation that held
a job, a peer's dead-client rescue has a dead client to find (ids `civic:civic-soak-a0` have the
form peers know as civic-supervisors), and
the connection budget is counted per process, not summed with the sessions of a killed
predecessor that PostgreSQL has not reaped yet.
"""

from __future__ import annotations

import time
from typing import Any

import psutil

from tests.support.supervisor_harness import Running, start
from tests.support.wait import wait_for

CHILDREN = ("presign", "thumbnails", "notifications")
MAX_CONNS = 4


class Fleet:
    def __init__(self, db_url: str, config: dict[str, Any], slots: tuple[str, ...] = ("a", "b")):
        self.db_url, self.config = db_url, config
        self.live: dict[str, Running] = {}
        self.generation = dict.fromkeys(slots, -1)
        self.history: list[Running] = []
        self.orphans: list[str] = []
        """Children that outlived a SIGKILLed parent by more than 3 s (PR_SET_PDEATHSIG)."""

    @staticmethod
    def client_id(sup: Running) -> str:
        return str(sup.config["client_id"])

    def start(self, slot: str, timeout: float = 60.0) -> Running:
        self.generation[slot] += 1
        name = f"civic-soak-{slot}{self.generation[slot]}"
        cfg = {
            **self.config,
            "client_id": f"civic:{name}",
            "database": {"max_conns": MAX_CONNS, "application_name": name},
        }
        sup = start(self.db_url, cfg, only=None, ready=False)
        self.history.append(sup)
        sup.wait_ready(timeout)
        self.live[slot] = sup
        return sup

    def kill(self, slot: str) -> Running:
        """SIGKILL the parent alone; its children must notice and exit by themselves."""
        sup = self.live.pop(slot)
        orphans = list(sup.children().values())
        sup.process.kill()
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and any(_alive(p) for p in orphans):
            time.sleep(0.05)
        self.orphans += [f"{sup.app}: pid {p.pid}" for p in orphans if _alive(p)]
        sup.kill()  # reaps what is left and keeps the log
        return sup

    def children(self, slot: str) -> dict[str, psutil.Process]:
        sup = self.live.get(slot)
        return sup.children() if sup else {}

    def wait_child(self, slot: str, name: str, old_pid: int, timeout: float = 30.0) -> float:
        """Seconds until `name` runs again under a new pid."""
        t0 = time.monotonic()

        def restarted() -> bool:
            proc = self.children(slot).get(name)
            return proc is not None and proc.pid != old_pid

        wait_for(
            restarted,
            what=f"{slot}'s {name} under a new pid",
            show=lambda: self.children(slot),
            timeout=timeout,
            interval=0.02,
        )
        return time.monotonic() - t0

    def crashed(self) -> list[str]:
        """Live slots whose supervisor exited on its own (e.g. max_restarts reached)."""
        return [f"{s.app} exited {s.proc.returncode}" for s in self.live.values() if s.proc.poll()]

    def stop(self) -> dict[str, int]:
        codes = {}
        for slot in list(self.live):
            sup = self.live.pop(slot)
            codes[sup.app] = sup.stop(timeout=30)
        return codes


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
