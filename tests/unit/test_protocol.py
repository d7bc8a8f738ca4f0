"""The typed messages: what each validator returns, and the parent's init and events."""

from __future__ import annotations

from typing import Any

import pytest

from proxy.framing import ProtocolError
from proxy.protocol import RequestError, parse_event, parse_init, parse_request


def test_each_op_validates_into_its_typed_request_with_defaults_filled_in() -> None:
    assert parse_request({"id": 1, "op": "fetch", "max": 3, "wait": 1}) == {
        "id": 1, "op": "fetch", "max": 3, "wait": 1.0,
    }  # fmt: skip
    assert parse_request({"id": 2, "op": "query", "name": "q"}) == {
        "id": 2, "op": "query", "name": "q", "params": {},
    }  # fmt: skip
    assert parse_request({"id": 3, "op": "heartbeat", "busy": 2}) == {
        "id": 3, "op": "heartbeat", "busy": 2, "stuck": 0, "rss": 0,
    }  # fmt: skip
    assert parse_request({"id": 4, "op": "ready", "extra": 1}) == {"id": 4, "op": "ready"}


def test_an_outcome_gets_every_field_and_its_writes_as_pairs() -> None:
    sent = {"job_id": 9, "attempt": 1, "result": "completed",
            "writes": [{"name": "w", "params": {"a": 1}}]}  # fmt: skip
    request = parse_request({"id": 1, "op": "finish", "outcomes": [sent]})
    assert request["op"] == "finish"
    assert request["outcomes"] == [
        {"job_id": 9, "attempt": 1, "result": "completed", "error": "", "trace": "",
         "snooze": 0.0, "writes": [("w", {"a": 1})]},
    ]  # fmt: skip


def test_a_log_without_id_is_a_notice_and_with_an_id_an_unknown_op() -> None:
    assert parse_request({"op": "log", "msg": "hi", "job_id": 5}) == {
        "op": "log", "level": 20, "logger": "worker", "msg": "hi", "exc": None, "job_id": 5,
        "kind": None, "attempt": None,
    }  # fmt: skip
    with pytest.raises(RequestError, match="unknown op 'log'"):
        parse_request({"id": 1, "op": "log", "msg": "hi"})


def test_an_unknown_result_is_that_jobs_error() -> None:
    bad = {"job_id": 7, "attempt": 2, "result": "done"}
    request = parse_request({"id": 1, "op": "finish", "outcomes": [bad]})
    assert request["op"] == "finish"
    (got,) = request["outcomes"]
    assert got["result"] == "error" and "outcome.result must be one of" in got["error"]


INIT: dict[str, Any] = {
    "event": "init",
    "name": "bench",
    "queue": "civic_bench",
    "max_workers": 4,
    "handlers": "workers.bench.handlers:HANDLERS",
    "kinds": ["noop"],
    "settings": {},
    "job_timeout": 10,
    "job_timeout_grace": 5,
    "log_level": "INFO",
}


def test_init_is_typed_with_its_timeouts_as_floats() -> None:
    init = parse_init(INIT)
    assert init == {**INIT, "job_timeout": 10.0, "job_timeout_grace": 5.0}
    assert isinstance(init["job_timeout"], float)


@pytest.mark.parametrize(
    "change",
    [
        {"event": "stop"},
        {"max_workers": "4"},
        {"settings": None},
        {"log_level": None},
        {"kinds": "noop"},
    ],
)
def test_a_wrong_init_breaks_the_protocol(change: dict[str, object]) -> None:
    with pytest.raises(ProtocolError):
        parse_init({**INIT, **change})


def test_events_cancel_and_stop_are_typed_and_unknown_ones_ignored() -> None:
    assert parse_event({"event": "cancel", "job_id": 5}) == {"event": "cancel", "job_id": 5}
    assert parse_event({"event": "stop"}) == {"event": "stop"}
    assert parse_event({"event": "reload"}) is None
    with pytest.raises(ProtocolError):
        parse_event({"event": "cancel", "job_id": "5"})
