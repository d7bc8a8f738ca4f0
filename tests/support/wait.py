"""Polling for a condition, with a failure that says what was awaited and what was seen."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(
    predicate: Callable[[], Any],
    *,
    what: str,
    show: Callable[[], Any] | None = None,
    timeout: float = 20.0,
    interval: float = 0.05,
) -> Any:
    """The first truthy value of `predicate()`, polled every `interval` seconds.

    After `timeout` seconds, AssertionError naming `what` ("job 12 completed") and the last
    value seen: `show()` when given (the job's state, the log's tail), else the predicate's.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            seen = value if show is None else _shown(show)
            raise AssertionError(
                f"timed out after {timeout:g}s waiting for {what}; last seen: {seen!r}"
            )
        time.sleep(interval)


def _shown(show: Callable[[], Any]) -> Any:
    try:
        return show()
    except Exception as exc:  # noqa: BLE001 - the timeout is the failure; this only explains it
        return f"<show() failed: {exc!r}>"
