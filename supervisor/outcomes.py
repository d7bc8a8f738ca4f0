"""How a worker's result becomes a River state change, by River's rules.

Pure functions: the completer batches their output into one statement, the tests check the
retry formula and every transition against them and against the database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from proxy.protocol import Outcome
from supervisor.river.states import JobState

SCHEDULER_INTERVAL = 5.0
"""A retry or snooze due within this many seconds skips `retryable`/`scheduled` (River)."""


class Held(NamedTuple):
    """What the parent remembers of a job it handed to a child (one per job in flight: a
    tuple is made at half the cost of a frozen dataclass)."""

    id: int
    attempt: int
    max_attempts: int
    n_errors: int
    attempted_at: datetime
    kind: str
    queue: str
    deadline: float | None
    """time.monotonic() after which the job overran (None: no timeout)."""


@dataclass(frozen=True)
class StateChange:
    id: int
    attempt: int
    state: JobState
    error: dict[str, Any] | None = None
    delay: float | None = None
    undo_attempt: bool = False
    snooze: bool = False


MAX_RETRY_DELAY = float((2**63 - 1) // 10**9)
"""River caps a retry at the longest Go duration (~292 years); uncapped, ~707 errors put
`scheduled_at` past year 9999 and ~1,741 overflow PostgreSQL's interval."""


def retry_delay(n_errors: int, rng: random.Random | None = None) -> float:
    """River's default policy: (errors+1)^4 seconds, +-10% uniform jitter, capped at
    MAX_RETRY_DELAY (no jitter at the cap)."""
    base = float(n_errors + 1) ** 4
    if base >= MAX_RETRY_DELAY:
        return MAX_RETRY_DELAY
    return min(base * (1 + (rng or random).uniform(-0.1, 0.1)), MAX_RETRY_DELAY)


def attempt_error(held: Held, message: str, trace: str = "") -> dict[str, Any]:
    """River's AttemptError: `at` is when the attempt started."""
    at = held.attempted_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return {"at": at, "attempt": held.attempt, "error": _jsonb_text(message),
            "trace": _jsonb_text(trace)}  # fmt: skip


def _jsonb_text(text: str) -> str:
    """jsonb cannot hold U+0000, which a message of binary data may carry: it would fail the
    statement that records the error."""
    return text.replace("\x00", "\\u0000") if "\x00" in text else text


def errored(held: Held, message: str, trace: str = "") -> StateChange:
    error = attempt_error(held, message, trace)
    if held.attempt >= held.max_attempts:
        return StateChange(held.id, held.attempt, JobState.DISCARDED, error)
    delay = retry_delay(held.n_errors)
    state = JobState.AVAILABLE if delay <= SCHEDULER_INTERVAL else JobState.RETRYABLE
    return StateChange(held.id, held.attempt, state, error, delay)


def completed(held: Held) -> StateChange:
    return StateChange(held.id, held.attempt, JobState.COMPLETED)


def cancelled(held: Held, message: str, trace: str = "") -> StateChange:
    error = attempt_error(held, message, trace)
    return StateChange(held.id, held.attempt, JobState.CANCELLED, error)


def snoozed(held: Held, seconds: float) -> StateChange:
    state = JobState.AVAILABLE if seconds <= SCHEDULER_INTERVAL else JobState.SCHEDULED
    return StateChange(held.id, held.attempt, state, None, seconds, undo_attempt=True, snooze=True)


def interrupted(held: Held) -> StateChange:
    """Stopped by a graceful shutdown: back to available, attempt restored, no error."""
    return StateChange(held.id, held.attempt, JobState.AVAILABLE, None, 0.0, undo_attempt=True)


def from_child(held: Held, outcome: Outcome) -> StateChange:
    """A validated outcome for `held`."""
    result = outcome["result"]
    if result == "completed":
        return completed(held)
    if result == "cancel":
        return cancelled(held, outcome["error"] or "job cancelled", outcome["trace"])
    if result == "snooze":
        return snoozed(held, outcome["snooze"])
    return errored(held, outcome["error"] or "job failed", outcome["trace"])


def as_params(changes: list[StateChange]) -> dict[str, list[Any]]:
    """Parallel arrays for supervisor.river.sql.SET_STATE."""
    from psycopg.types.json import Jsonb

    return {
        "id": [c.id for c in changes],
        "attempt": [c.attempt for c in changes],
        "state": [c.state for c in changes],
        "error": [None if c.error is None else Jsonb(c.error) for c in changes],
        "delay": [c.delay for c in changes],
        "undo_attempt": [c.undo_attempt for c in changes],
        "snooze": [c.snooze for c in changes],
    }
