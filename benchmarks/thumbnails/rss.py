"""RSS of the supervisor's process tree, sampled on a thread so short peaks are not missed."""

from __future__ import annotations

import threading


class RssSampler(threading.Thread):
    """RSS of the supervisor and all its descendants every `interval`: peaks, total and each."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_total = 0.0
        self.peak: dict[str, float] = {}
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            sample = rss_by_process(self.pid)
            self.samples += 1
            self.peak_total = max(self.peak_total, sum(sample.values()))
            for name, mb in sample.items():
                self.peak[name] = max(self.peak.get(name, 0.0), mb)
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def rss_by_process(pid: int) -> dict[str, float]:
    """MB of RSS by process: `parent`, and each child by its title (`thumbnails`, ...)."""
    import psutil

    out: dict[str, float] = {}
    try:
        parent = psutil.Process(pid)
        procs = [("parent", parent)] + [(None, c) for c in parent.children(recursive=True)]
    except psutil.Error:
        return out
    for name, proc in procs:
        try:
            if name is None:
                title = " ".join(proc.cmdline())
                prefix = "civic-supervisor: "
                name = title.split()[1] if title.startswith(prefix) else f"pid {proc.pid}"
            out[name] = proc.memory_info().rss / 2**20
        except psutil.Error:
            continue
    return out
