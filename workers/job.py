"""The job as a worker sees it, and the context through which it reaches the database."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    args: Any
    """Decoded `args` jsonb; usually a dict, but a worker must not assume so."""
    attempt: int
    max_attempts: int
    queue: str
    priority: int
    metadata: dict[str, Any]
    created_at: str
    scheduled_at: str
    errors: list[dict[str, Any]] = field(default_factory=list)


Handler = Callable[[Job, "JobContext"], None]

_MAKING = threading.Lock()


class CancelFlag:
    """threading.Event's is_set/wait/set, with the Event made only when a handler first waits:
    most jobs never do, and an Event (a lock and a condition) per job was a fifth of a no-op
    job's cost in the child."""

    __slots__ = ("_event", "_set")

    def __init__(self) -> None:
        self._set = False
        self._event: threading.Event | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        if self._event is not None:
            self._event.set()

    def wait(self, timeout: float | None = None) -> bool:
        if self._set:
            return True
        with _MAKING:
            if self._event is None:
                self._event = threading.Event()
        if self._set:  # set() ran before the Event existed
            self._event.set()
        return self._event.wait(timeout)


@dataclass
class JobContext:
    """Per-job handle given to a handler.

    `query` runs a registered statement now (autocommit) and returns its rows as dicts.
    `write` stages a registered statement that the parent runs in the same transaction as the
    job's completion or JobCancel/JobSnooze, and only if the job is still this attempt's
    `running` row: after any crash both happened or neither did. Staged writes are dropped
    when the handler raises an ordinary exception (the job will retry).
    """

    job: Job
    settings: dict[str, Any]
    deadline: float
    """time.monotonic() value after which the job counts as timed out."""
    cancelled: CancelFlag | threading.Event
    """Set on a remote cancel or timeout; long handlers should check it between steps."""
    log: logging.LoggerAdapter[logging.Logger] | logging.Logger
    _query: Callable[[str, dict[str, Any]], list[dict[str, Any]]]
    writes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def query(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return self._query(name, params)

    def write(self, name: str, **params: Any) -> None:
        self.writes.append((name, params))
