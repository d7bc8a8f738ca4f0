"""A progress bar on stderr: redrawn in place on a terminal, a plain line every 2 s otherwise.

stdout carries only the report (text or `--json`), so the command stays scriptable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, label: str, total: int, out: TextIO | None = None) -> None:
        self.label, self.total = label, max(total, 1)
        self.out = out or sys.stderr
        self.tty = self.out.isatty()
        self.started = time.monotonic()
        self._next = 0.0

    def update(self, done: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self._next:
            return
        self._next = now + (0.2 if self.tty else 2.0)
        elapsed = max(now - self.started, 1e-9)
        share = min(done / self.total, 1.0)
        bar = "#" * int(share * 30)
        line = (
            f"{self.label:<22} [{bar:<30}] {share:4.0%} {done:>9,}/{self.total:,}"
            f" {done / elapsed:>9,.0f}/s"
        )
        self.out.write(f"\r{line}\x1b[K" if self.tty else f"{line}\n")
        self.out.flush()

    def close(self, done: int) -> None:
        self.update(done, force=True)
        if self.tty:
            self.out.write("\n")
            self.out.flush()


def say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)
