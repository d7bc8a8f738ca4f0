"""One-shot commands that start servers and processes (`demo`, `bench`, benchmarks/):
SIGTERM acts like Ctrl-C, so their cleanup runs either way, and an expected failure is one
line instead of a traceback."""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any, NoReturn

import psycopg

INTERRUPTED = 130


def _interrupt(signum: int, frame: Any) -> NoReturn:
    raise KeyboardInterrupt


def interruptible(run: Callable[[], int], say: Callable[[str], None]) -> int:
    """`run()`'s exit code; 130 when interrupted, 1 (said in one line) when it failed."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return run()
    except KeyboardInterrupt:
        say("interrupted; everything stopped and removed")
        return INTERRUPTED
    except (RuntimeError, TimeoutError, psycopg.Error, OSError) as exc:
        say(f"failed: {exc}")
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
