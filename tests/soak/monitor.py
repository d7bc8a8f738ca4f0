"""The soak's instrument: connection counts every 50 ms and the recovery clocks.

Every tick counts the sessions in `pg_stat_activity` of each supervisor incarnation (its
application_name, with or without " listener") and keeps the peak; a sample above the budget
is kept with its time. The same tick evaluates the open recovery probes: a probe starts at
an injected fault and stops the first time its condition holds (e.g. "no job the killed child
held is still running"), which gives the recovery time without sleeping in the injector.
The monitor's session is named `civic-soak-monitor`; the injector spares it when it
terminates every other backend, so the instrument keeps measuring through the fault.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

NAME = "civic-soak-monitor"
COUNT = """
SELECT regexp_replace(application_name, ' listener$', ''), count(*) FROM pg_stat_activity
WHERE application_name LIKE 'civic-soak-%%' AND application_name <> %s GROUP BY 1
"""
Check = Callable[[psycopg.Connection], bool]


@dataclass
class Probe:
    kind: str
    label: str
    started: float
    """time.time() of the fault."""
    check: Check
    timeout: float = 300.0
    recovered: float | None = None
    """Seconds from the fault until `check` first held; None while open or if it never did."""
    void: str = ""
    """Why the measurement does not count (a later fault took the same process away)."""
    timed_out: bool = False

    @property
    def open(self) -> bool:
        return self.recovered is None and not self.void and not self.timed_out


class Monitor(threading.Thread):
    def __init__(self, url: str, budget: int, interval: float = 0.05) -> None:
        super().__init__(name="soak-monitor", daemon=True)
        self.url, self.budget, self.interval = url, budget, interval
        self.peaks: dict[str, int] = {}
        self.over: list[tuple[float, str, int]] = []
        """(time, application_name, sessions) of every sample above the budget."""
        self.samples = 0
        self.probes: list[Probe] = []
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def probe(self, kind: str, label: str, started: float, check: Check) -> Probe:
        probe = Probe(kind, label, started, check)
        with self._lock:
            self.probes.append(probe)
        return probe

    def void(self, predicate: Callable[[Probe], bool], reason: str) -> None:
        with self._lock:
            for p in self.probes:
                if p.open and predicate(p):
                    p.void = reason

    def pending(self) -> list[Probe]:
        with self._lock:
            return [p for p in self.probes if p.open]

    def stop(self) -> None:
        self._halt.set()
        self.join(10)

    def run(self) -> None:
        conn: psycopg.Connection | None = None
        while not self._halt.wait(self.interval):
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(self.url, autocommit=True, application_name=NAME)
                self._tick(conn)
            except psycopg.Error:
                conn = None

    def _tick(self, conn: psycopg.Connection) -> None:
        now = time.time()
        for app, n in conn.execute(COUNT, (NAME,)).fetchall():
            self.peaks[app] = max(self.peaks.get(app, 0), n)
            if n > self.budget:
                self.over.append((now, app, n))
        self.samples += 1
        for p in self.pending():
            if p.check(conn):
                p.recovered = time.time() - p.started
            elif now - p.started > p.timeout:
                p.timed_out = True
