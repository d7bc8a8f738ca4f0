"""What the supervisor costs: peak sessions in `pg_stat_activity` and RSS of its processes.

The sampler's own session is named `civic-bench-monitor`, outside the `<application_name>%`
pattern it counts, so watching never inflates the number being watched. It samples every
10 ms: a pooled session that lives for one claim would slip between slower samples.
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg

MONITOR_NAME = "civic-bench-monitor"
_COUNT = "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE %s"


def like_prefix(prefix: str) -> str:
    """A LIKE pattern matching every application_name that starts with `prefix`."""
    return prefix.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"


class ConnectionSampler(threading.Thread):
    """Sessions whose application_name starts with `prefix` (the supervisor's, its listener's).

    `peak` is the highest count over the whole run; `phase()` returns the peak since its last
    call. Use as a context manager, or `start()` / `stop()`.
    """

    def __init__(self, url: str, prefix: str = "civic-supervisor", interval: float = 0.01) -> None:
        super().__init__(name="bench-connections", daemon=True)
        self.url, self.pattern, self.interval = url, like_prefix(prefix), interval
        self.peak = self._phase_peak = self.samples = 0
        self._stop_event = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with psycopg.connect(self.url, autocommit=True, application_name=MONITOR_NAME) as c:
                while not self._stop_event.is_set():
                    row = c.execute(_COUNT, (self.pattern,)).fetchone()
                    assert row is not None
                    n = row[0]
                    self.samples += 1
                    self.peak = max(self.peak, n)
                    self._phase_peak = max(self._phase_peak, n)
                    self._stop_event.wait(self.interval)
        except BaseException as exc:  # noqa: BLE001 - reported with the results
            self.error = exc

    def phase(self) -> int:
        peak, self._phase_peak = self._phase_peak, 0
        return peak

    def stop(self) -> None:
        self._stop_event.set()
        if self.is_alive():
            self.join()

    def __enter__(self) -> ConnectionSampler:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def process_memory(pid: int) -> dict[str, Any]:
    """RSS (and USS: pages only that process owns) of the parent and each child, in MB."""
    import psutil

    parent = psutil.Process(pid)
    procs = {"parent": parent}
    for child in parent.children():
        try:
            title = " ".join(child.cmdline())
        except psutil.Error:
            continue
        name = title.split()[1] if title.startswith("civic-supervisor: ") else str(child.pid)
        procs[name] = child
    out: dict[str, Any] = {}
    for name, proc in procs.items():
        try:
            info = proc.memory_full_info()
        except psutil.Error:
            continue
        out[name] = {"rss_mb": info.rss / 2**20, "uss_mb": info.uss / 2**20}
    out["total_rss_mb"] = sum(v["rss_mb"] for v in out.values())
    out["total_uss_mb"] = sum(v["uss_mb"] for k, v in out.items() if isinstance(v, dict))
    return out


def ready_children(pid: int) -> int:
    """Children that loaded their handlers: their title shows `[n/m busy]`, not `[starting]`."""
    import psutil

    try:
        children = psutil.Process(pid).children()
    except psutil.Error:
        return 0
    ready = 0
    for child in children:
        try:
            ready += "busy]" in " ".join(child.cmdline())
        except psutil.Error:
            continue
    return ready
