"""The soak's faults, on a schedule scaled to the run, each logged with its time.

A kill picks its victim at random, then waits up to 3 s for it to hold a job, so that kills
land mid-job (presign jobs last milliseconds; an idle child only tests the restart).

Full scale (>= 5 min): a random child of a random supervisor SIGKILLed every 5-20 s, one
supervisor SIGKILLed and restarted every 2 minutes (a, b, a, ...), every backend terminated
once a minute, S3 and SMTP cut for 30 s twice. A short run keeps every kind: child kills every
3-7 s, one supervisor kill at a third, one termination at 55 %, one outage of max(10 s, 1/6)
at 65 %. Faults stop a quiet period before the workload does, so recovery can be seen.
The Go client (soak_go) is SIGKILLed and restarted at once every 2 minutes from the first
(60 s, 180 s, ...; between the supervisor kills), or once at a fifth of a short run: early
enough for River's rescuer (`rescue_after` 35 s) to return its jobs before the traffic stops.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

import psycopg

from tests.soak.env import Services
from tests.soak.fleet import Fleet
from tests.soak.go import GoWorker
from tests.soak.monitor import NAME as MONITOR
from tests.soak.monitor import Check, Monitor
from tests.support.database import scalar

log = logging.getLogger("soak")
QUEUES = {"presign": "s3_signer", "thumbnails": "thumbnails", "notifications": "notifications"}
LAST = "attempted_by[array_length(attempted_by, 1)]"
HELD = f"SELECT count(*) FROM metadata.river_job WHERE state = 'running' AND {LAST} = %s"
TERMINATE = """
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE pid <> pg_backend_pid() AND datname = current_database()
  AND backend_type = 'client backend' AND application_name <> %s
"""


@dataclass(frozen=True)
class Event:
    at: float
    kind: str
    """child_kill, supervisor_kill, go_kill, terminate, outage_start or outage_end."""
    slot: str = ""
    duration: float = 0.0


def plan(seconds: float, seed: int) -> list[Event]:
    rng = random.Random(seed)
    full = seconds >= 300
    end = seconds - (30 if full else 10)
    events = []
    lo, hi = (5.0, 20.0) if full else (3.0, 7.0)
    t = rng.uniform(lo, hi)
    while t < end:
        events.append(Event(t, "child_kill"))
        t += rng.uniform(lo, hi)
    kills = [120.0 * k for k in range(1, int(end // 120) + 1)] if full else [seconds / 3]
    events += [Event(t, "supervisor_kill", "ab"[i % 2]) for i, t in enumerate(kills)]
    go_kills = (
        [60.0 + 120 * k for k in range(int((end - 60) // 120) + 1)] if full else [seconds / 5]
    )
    events += [Event(t, "go_kill") for t in go_kills if t < end]
    terms = [30.0 + 60 * k for k in range(int((end - 30) // 60) + 1)] if full else [seconds * 0.55]
    events += [Event(t, "terminate") for t in terms if t < end]
    cuts = [(seconds * 0.25, 30.0), (seconds * 0.65, 30.0)] if full else [(seconds * 0.65, 0.0)]
    for start, length in cuts:
        length = length or max(10.0, seconds / 6)
        events += [
            Event(start, "outage_start", duration=length),
            Event(start + length, "outage_end"),
        ]
    return sorted(events, key=lambda e: e.at)


@dataclass
class Fault:
    kind: str
    at: float
    """Seconds since the soak started."""
    wall: float
    target: str = ""
    client: str = ""
    child: str = ""
    held: int = 0
    """Jobs `running` under the target's client id just before the fault."""
    detail: str = ""


class Injector(threading.Thread):
    def __init__(self, events: list[Event], fleet: Fleet, services: Services, monitor: Monitor,
                 db_url: str, seed: int, go: GoWorker | None = None) -> None:  # fmt: skip
        super().__init__(name="soak-injector", daemon=True)
        self.events, self.fleet, self.services, self.monitor = events, fleet, services, monitor
        self.go = go
        self.db_url = db_url
        self.rng = random.Random(seed)
        self.faults: list[Fault] = []
        self.errors: list[str] = []
        self._halt = threading.Event()
        self._conn: psycopg.Connection | None = None

    def stop(self) -> None:
        self._halt.set()
        self.join(120)

    def run(self) -> None:
        self.t0 = time.monotonic()
        for event in self.events:
            if self._halt.wait(max(0.0, self.t0 + event.at - time.monotonic())):
                return
            try:
                getattr(self, event.kind)(event)
            except Exception as exc:
                log.exception("fault %s failed", event.kind)
                self.errors.append(f"{event.kind} at {event.at:.1f}s: {exc!r}")

    def _db(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.db_url, autocommit=True,
                                         application_name="soak-injector")  # fmt: skip
        return self._conn

    def _busy(self, sql: str, params: tuple[object, ...], wait: float = 3.0) -> int:
        """Jobs the target holds, waiting up to `wait` s for it to hold one: a kill that lands
        mid-job tests recovery, one that hits an idle process only tests the restart."""
        deadline = time.monotonic() + wait
        while True:
            held = scalar(self._db(), sql, params)
            if held or time.monotonic() > deadline:
                return held
            time.sleep(0.01)

    def _record(self, fault: Fault) -> None:
        self.faults.append(fault)
        log.info("t=%6.1fs fault %s %s %s", fault.at, fault.kind, fault.target, fault.detail)

    def _fault(self, kind: str, **kw: object) -> Fault:
        return Fault(kind, time.monotonic() - self.t0, time.time(), **kw)  # type: ignore[arg-type]

    def child_kill(self, event: Event) -> None:
        slots = sorted(self.fleet.live)
        self.rng.shuffle(slots)
        slot, children = next(((s, c) for s in slots if (c := self.fleet.children(s))), ("", {}))
        if not children:  # every child is between a death and its restart
            self._record(self._fault("child_kill_skipped", detail="no child running"))
            return
        name = self.rng.choice(sorted(children))
        proc, client = children[name], Fleet.client_id(self.fleet.live[slot])
        held = self._busy(HELD + " AND queue = %s", (client, QUEUES[name]))
        fault = self._fault("child_kill", target=f"{client}/{name} pid {proc.pid}", client=client,
                            child=name, held=held)  # fmt: skip
        proc.kill()
        self._record(fault)
        sql = (f"SELECT NOT EXISTS (SELECT 1 FROM metadata.river_job WHERE state = 'running'"
               f" AND queue = %s AND {LAST} = %s AND attempted_at < to_timestamp(%s))")  # fmt: skip
        args = (QUEUES[name], client, fault.wall)
        self.monitor.probe("child_kill", fault.target, fault.wall,
                           lambda c: scalar(c, sql, args))  # fmt: skip

        def restarted(_: psycopg.Connection) -> bool:
            new = self.fleet.children(slot).get(name)
            return new is not None and new.pid != proc.pid

        self.monitor.probe("child_restart", fault.target, fault.wall, restarted)

    def supervisor_kill(self, event: Event) -> None:
        sup = self.fleet.live[event.slot]
        client = Fleet.client_id(sup)
        held = self._busy(HELD, (client,))
        fault = self._fault("supervisor_kill", target=client, client=client, held=held)
        self.fleet.kill(event.slot)
        self.monitor.void(lambda p: p.label.startswith(client + "/") or p.label == client,
                          f"supervisor {client} was killed")  # fmt: skip
        sql = f"SELECT NOT EXISTS (SELECT 1 FROM metadata.river_job WHERE state = 'running' AND {LAST} = %s)"
        self.monitor.probe("supervisor_kill", client, fault.wall,
                           lambda c: scalar(c, sql, (client,)))  # fmt: skip
        t = time.monotonic()
        new = self.fleet.start(event.slot)
        fault.detail = f"restarted as {Fleet.client_id(new)} in {time.monotonic() - t:.1f}s"
        self._record(fault)

    def go_kill(self, event: Event) -> None:
        """SIGKILL the Go client and restart it at once under a new id; its jobs stay
        `running` under the old one, lockless, until River's rescuer: a civic-supervisor's
        dead-client path must never take them (soak_check.check_go)."""
        if self.go is None:
            return
        client = self.go.client
        held = self._busy(HELD, (client,))
        fault = self._fault("go_kill", target=client, client=client, held=held)
        self.go.kill()
        sql = f"SELECT NOT EXISTS (SELECT 1 FROM metadata.river_job WHERE state = 'running' AND {LAST} = %s)"
        self.monitor.probe("go_kill", client, fault.wall,
                           lambda c: scalar(c, sql, (client,)))  # fmt: skip
        fault.detail = f"restarted as {self.go.start()}"
        self._record(fault)

    def terminate(self, event: Event) -> None:
        fault = self._fault("terminate", target="all backends")
        n = scalar(self._db(), TERMINATE, (MONITOR,))
        fault.detail = f"{n} backends terminated"
        self._record(fault)
        sql = (f"SELECT EXISTS (SELECT 1 FROM metadata.river_job WHERE state = 'completed'"
               f" AND {LAST} = %s AND attempted_at > to_timestamp(%s))")  # fmt: skip
        for sup in self.fleet.live.values():
            client = Fleet.client_id(sup)
            self.monitor.probe(
                "terminate", client, fault.wall, _scalar_check(sql, (client, fault.wall))
            )

    def outage_start(self, event: Event) -> None:
        self.services.outage()
        self._record(self._fault("outage", target="s3+smtp", detail=f"for {event.duration:.0f}s"))

    def outage_end(self, event: Event) -> None:
        self.services.recover()
        fault = self._fault("outage_end", target="s3+smtp")
        self._record(fault)
        sql = ("SELECT EXISTS (SELECT 1 FROM metadata.river_job WHERE state = 'completed'"
               " AND queue = 'thumbnails' AND attempted_at > to_timestamp(%s))")  # fmt: skip
        self.monitor.probe("outage_s3", "thumbnails", fault.wall,
                           lambda c: scalar(c, sql, (fault.wall,)))  # fmt: skip
        mail = self.services.mail
        self.monitor.probe("outage_smtp", "email", fault.wall,
                           lambda _: any(m.at > fault.wall for m in mail.snapshot()))  # fmt: skip


def _scalar_check(sql: str, params: tuple[Any, ...]) -> Check:
    """A probe's check: the statement's one value, on the connection it is given."""
    return lambda conn: scalar(conn, sql, params)
