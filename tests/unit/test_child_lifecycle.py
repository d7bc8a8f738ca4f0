"""One child's lifecycle: the legal moves, the restart policy, and what an exit decides."""

from __future__ import annotations

import re
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import supervisor.child as child_module
from supervisor.child import LEGAL, Child, IllegalTransitionError, RestartPolicy, Run, State
from supervisor.config import RestartConfig, load

ROOT = Path(__file__).resolve().parents[2]
POLICY = RestartConfig(backoff_initial=1.0, backoff_max=8.0, healthy_after=60.0,
                       max_restarts=3, window=100.0)  # fmt: skip


def test_the_documented_transition_table_is_the_code() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text()
    table = doc.split("<!-- child lifecycle: from -> to -->", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| (\w+) \|([\w, ]*)\|$", table, re.M)
    documented = {State(a): {State(t.strip()) for t in b.split(",") if t.strip()}
                  for a, b in rows if a != "from"}  # fmt: skip
    assert documented == {s: set(to) for s, to in LEGAL.items()}
    diagram = child_module.__doc__ or ""
    assert all(s.name in diagram for s in State), "child.py's diagram lacks a state"


def _child() -> Child:
    cfg = load(None, env={})
    fetcher = SimpleNamespace(stopped=False, stop=lambda: None)
    return Child(cfg, cfg.queues["bench"], None, None, fetcher, lambda j, r: None, lambda c: None)  # type: ignore[arg-type]  # no database in a unit test


def _run(child: Child, *, kill_cause: str | None = None, recycling: bool = False) -> list[Any]:
    released: list[Any] = []

    def release_all(cause: str | None) -> list[Any]:
        released.append(cause)
        return []

    session = SimpleNamespace(release_all=release_all, last_error="", held={}, busy=0)
    proc = SimpleNamespace(pid=1, returncode=None)
    channel = SimpleNamespace(send_event=lambda *a, **k: None)
    child.run = Run(proc, session, channel, time.monotonic(), kill_cause, recycling)  # type: ignore[arg-type]
    return released


def _state(c: Child) -> State:
    """Read afresh (mypy keeps the state narrowed across the calls that change it)."""
    return c.state


def test_an_illegal_move_fails_loudly() -> None:
    c = _child()
    with pytest.raises(IllegalTransitionError, match="stopped -> running"):
        c.change_state(State.RUNNING)
    c.state = State.FATAL
    for s in State:
        with pytest.raises(IllegalTransitionError):
            c.change_state(s)


def test_backoff_doubles_to_its_ceiling_resets_after_a_healthy_run_and_skips_recycles() -> None:
    p = RestartPolicy(POLICY)
    assert [p.delay(1.0, recycled=False) for _ in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert p.delay(61.0, recycled=False) == 1.0
    assert p.delay(1.0, recycled=True) == 0.0
    assert p.delay(1.0, recycled=False) == 1.0


def test_it_gives_up_after_max_restarts_within_the_window_and_never_when_zero() -> None:
    p = RestartPolicy(POLICY)
    assert [p.gave_up(t) for t in (0.0, 1.0, 2.0, 3.0)] == [False, False, False, True]
    assert not RestartPolicy(POLICY).gave_up(500.0)
    late = RestartPolicy(POLICY)
    assert [late.gave_up(t) for t in (0.0, 50.0, 101.0, 120.0, 130.0)] == [False] * 4 + [True]
    never = RestartPolicy(RestartConfig(max_restarts=0))
    assert not any(never.gave_up(float(t)) for t in range(100))


def test_a_graceful_stop_returns_jobs_as_interrupted_and_stays_stopped() -> None:
    c = _child()
    c.state = State.STOPPING
    released = _run(c)
    assert c.on_exit("worker process exited with code 0", restart=False) is None
    assert released == [None] and c.state is State.STOPPED and c.run is None


def test_a_crash_returns_jobs_with_the_cause_and_backs_off_until_it_gives_up() -> None:
    c = _child()
    c.policy = RestartPolicy(POLICY)
    delays = []
    for _ in range(4):
        c.state = State.RUNNING
        released = _run(c)
        delays.append(c.on_exit("worker process exited with signal 9", restart=True))
        assert released == ["worker process exited with signal 9"] and c.run is None
        if c.state is State.FATAL:
            break
        assert c.state is State.BACKOFF
        c.state = State.STOPPED  # as if restarted and running again
    assert delays == [1.0, 2.0, 4.0, None] and c.state is State.FATAL
    assert c.last_exit == "worker process exited with signal 9"


def test_a_recycle_restarts_at_once_and_a_waiting_child_stops_without_a_process() -> None:
    c = _child()
    c.state = State.STOPPING
    _run(c, recycling=True)
    assert c.on_exit("worker process exited with code 0", restart=True) == 0.0
    assert c.state is State.BACKOFF
    c.request_stop(0.0)
    assert _state(c) is State.STOPPED
