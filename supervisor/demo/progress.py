"""Live progress per queue and the supervisor's connection count, from a 5th connection.

The monitor's own session is named `civic-demo-monitor`, outside the `civic-supervisor%`
pattern it counts, so watching never inflates the number being watched. Connections are
sampled every 10 ms (a short-lived pool session would slip between slower samples); job
states every 200 ms. On a terminal the lines are redrawn in place ~5x/s; otherwise (CI, a
pipe) a plain line per queue is written every 2 s, so logs stay readable.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TextIO

import psycopg

from workers.specs import BUILTIN

QUEUES = {spec.queue: spec.name for spec in BUILTIN if spec.enabled}
"""River queue -> child name, for the children a default configuration runs."""
FINAL = ("completed", "cancelled", "discarded")
_CONNECTIONS = (
    "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'civic-supervisor%'"
)
_STATES = "SELECT queue, state::text, count(*) FROM metadata.river_job GROUP BY 1, 2"


@dataclass
class Snapshot:
    states: dict[str, dict[str, int]] = field(default_factory=dict)
    """queue -> state -> jobs."""
    connections: int = 0
    peak: int = 0

    def count(self, queue: str, *states: str) -> int:
        return sum(self.states.get(queue, {}).get(s, 0) for s in states)

    def finished(self, expected: dict[str, int]) -> bool:
        """Every expected job exists and reached a final state."""
        return all(self.count(q, *FINAL) >= n for q, n in expected.items())

    def line(self, queue: str, expected: int) -> str:
        done, failed = self.count(queue, "completed"), self.count(queue, "cancelled", "discarded")
        running, retrying = self.count(queue, "running"), self.count(queue, "retryable")
        waiting = self.count(queue, "available", "scheduled", "pending")
        return (
            f"  {QUEUES.get(queue, queue):<14} {done:>5}/{expected:<5} done  {failed:>3} failed"
            f"  {running:>3} running  {retrying:>3} retrying  {waiting:>5} waiting"
        )


class Monitor(threading.Thread):
    """Samples in the background; `snapshot()` is the latest view, `peak` never goes down."""

    def __init__(self, db_url: str, expected: dict[str, int], out: TextIO, budget: int) -> None:
        super().__init__(name="demo-monitor", daemon=True)
        self.db_url, self.expected, self.out, self.budget = db_url, expected, out, budget
        self.tty = out.isatty()
        self.live = threading.Event()
        """Set while the progress lines should be drawn."""
        self._stop_event = threading.Event()
        self._lock = threading.Lock()
        self._draw_lock = threading.Lock()
        self._snap = Snapshot()
        self._drawn = 0
        self.error: Exception | None = None

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(dict(self._snap.states), self._snap.connections, self._snap.peak)

    def run(self) -> None:
        try:
            with psycopg.connect(
                self.db_url, autocommit=True, application_name="civic-demo-monitor"
            ) as conn:
                self._sample(conn)
        except Exception as exc:  # noqa: BLE001 - reported by the command, which then stops waiting
            self.error = exc

    def _sample(self, conn: psycopg.Connection) -> None:
        next_states = next_draw = 0.0
        while not self._stop_event.is_set():
            now = time.monotonic()
            row = conn.execute(_CONNECTIONS).fetchone()
            assert row is not None
            connections = row[0]
            states: dict[str, dict[str, int]] | None = None
            if now >= next_states:
                states = {}
                for queue, state, n in conn.execute(_STATES):
                    states.setdefault(queue, {})[state] = n
                next_states = now + 0.2
            with self._lock:
                self._snap.connections = connections
                self._snap.peak = max(self._snap.peak, connections)
                if states is not None:
                    self._snap.states = states
            if self.live.is_set() and now >= next_draw:
                self.draw()
                next_draw = now + (0.2 if self.tty else 2.0)
            self._stop_event.wait(0.01)

    def lines(self) -> list[str]:
        snap = self.snapshot()
        queues = [snap.line(q, n) for q, n in self.expected.items()]
        return [
            *queues,
            f"  {'connections':<14} {snap.connections:>5} now, peak {snap.peak}"
            f" of {self.budget} (application_name civic-supervisor%)",
        ]

    def draw(self) -> None:
        with self._draw_lock:
            self._draw(self.lines())

    def _draw(self, lines: list[str]) -> None:
        if self.tty:
            up = f"\x1b[{self._drawn}F" if self._drawn else ""
            self.out.write(up + "".join(f"{line}\x1b[K\n" for line in lines))
            self._drawn = len(lines)
        else:
            self.out.write("progress:\n" + "".join(f"{line}\n" for line in lines))
        self.out.flush()

    def stop(self) -> None:
        self._stop_event.set()
        if self.is_alive():
            self.join()
