"""River's retry policy and state decisions, as pure functions."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from supervisor.outcomes import Held, errored, interrupted, retry_delay, snoozed


def held(attempt=1, max_attempts=25, n_errors=0):
    return Held(
        7,
        attempt,
        max_attempts,
        n_errors,
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "k",
        "q",
        None,
    )


@pytest.mark.parametrize("n_errors", [0, 1, 2, 5, 23])
def test_retry_delay_is_errors_plus_one_to_the_fourth_with_ten_percent_jitter(n_errors):
    rng = random.Random(n_errors)
    base = (n_errors + 1) ** 4
    delays = [retry_delay(n_errors, rng) for _ in range(2000)]
    assert all(0.9 * base <= d <= 1.1 * base for d in delays)
    assert min(delays) < 0.92 * base and max(delays) > 1.08 * base  # really jittered, both ways


def test_first_error_goes_straight_to_available_later_ones_wait_in_retryable():
    first = errored(held(n_errors=0), "boom")
    assert first.state == "available" and 0.9 <= first.delay <= 1.1
    assert first.error == {"at": "2026-01-02T03:04:05Z", "attempt": 1, "error": "boom", "trace": ""}
    assert errored(held(n_errors=1), "boom").state == "retryable"


def test_last_attempt_discards():
    change = errored(held(attempt=3, max_attempts=3), "boom")
    assert change.state == "discarded" and change.delay is None and change.error["attempt"] == 3


def test_snooze_and_interrupt_give_the_attempt_back():
    assert snoozed(held(), 60).state == "scheduled" and snoozed(held(), 60).undo_attempt
    assert snoozed(held(), 5).state == "available"
    back = interrupted(held())
    assert (back.state, back.error, back.undo_attempt, back.delay) == ("available", None, True, 0.0)
