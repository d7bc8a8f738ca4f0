"""River's NOTIFY payloads, as River's clients send them, checked into typed notifications."""

from __future__ import annotations

import logging

import pytest

from supervisor.listener import Listener, Notification, parse


@pytest.mark.parametrize(
    "topic, payload, note",
    [
        ("river_insert", '{"queue": "default"}', {"topic": "river_insert", "queue": "default"}),
        ("river_control", '{"action":"cancel","job_id":12,"queue":"q"}',
         {"topic": "river_control", "action": "cancel", "job_id": 12, "queue": "q"}),
        ("river_control", '{"action":"cancel","job_id":12}',
         {"topic": "river_control", "action": "cancel", "job_id": 12, "queue": ""}),
        ("river_control", '{"action":"pause","queue":"*"}',
         {"topic": "river_control", "action": "pause", "queue": "*"}),
        ("river_control", '{"action":"resume","queue":"q"}',
         {"topic": "river_control", "action": "resume", "queue": "q"}),
        ("river_leadership", '{"leader_id":"a","action":"resigned"}',
         {"topic": "river_leadership", "action": "resigned", "leader_id": "a"}),
        ("river_leadership", '{"action":"request_resign","leader_id":""}',
         {"topic": "river_leadership", "action": "request_resign", "leader_id": ""}),
        ("river_control", '{"action":"metadata_changed","queue":"q","metadata":{}}', None),
    ],
)  # fmt: skip
def test_rivers_payloads_become_typed_notifications(
    topic: str, payload: str, note: Notification | None
) -> None:
    assert parse(topic, payload) == note


@pytest.mark.parametrize(
    "topic, payload",
    [
        ("river_insert", "not json"),
        ("river_insert", "[1]"),
        ("river_insert", '{"queue": 5}'),
        ("river_control", '{"action":"cancel","job_id":"12"}'),
        ("river_control", '{"action":"cancel","job_id":true}'),
        ("river_control", '{"action":"pause"}'),
        ("river_control", '{"action":"explode"}'),
        ("river_leadership", '{"action":"resigned","leader_id":7}'),
    ],
)
def test_payloads_that_are_not_rivers_are_refused(topic: str, payload: str) -> None:
    with pytest.raises(ValueError):
        parse(topic, payload)


def test_the_listener_logs_and_drops_a_bad_payload_and_passes_on_a_good_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    got: list[Notification] = []
    listener = Listener("", "t", "metadata", got.append, lambda: None)
    with caplog.at_level(logging.WARNING, "civic.listener"):
        listener._dispatch("metadata.river_control", '{"action":"cancel"}')
        listener._dispatch("metadata.river_insert", '{"queue": "q"}')
        listener._dispatch("elsewhere.river_insert", '{"queue": "q"}')
    assert got == [{"topic": "river_insert", "queue": "q"}]
    assert "ignoring malformed metadata.river_control payload" in caplog.text
