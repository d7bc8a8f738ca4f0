"""The RPC on the wire: framing and request validation."""

from __future__ import annotations

from datetime import UTC, time
from decimal import Decimal

import pytest

from proxy.framing import MAX_FRAME, FrameDecoder, ProtocolError, encode
from proxy.protocol import RequestError, parse_request


def test_frames_round_trip_in_pieces():
    data = encode({"id": 1, "op": "fetch", "max": 3, "wait": 1.5}) + encode(
        {"op": "log", "msg": "é"}
    )
    dec = FrameDecoder()
    got = [m for i in range(len(data)) for m in dec.feed(data[i : i + 1])]
    assert got == [{"id": 1, "op": "fetch", "max": 3, "wait": 1.5}, {"op": "log", "msg": "é"}]


def test_the_parent_frames_what_orjson_refuses_and_a_child_may_not_send_it():
    value = {"t": time(1, 2, tzinfo=UTC), "n": 2**70, "d": Decimal("1.50")}
    (got,) = FrameDecoder().feed(encode(value))
    assert got["t"] == "01:02:00+00:00" and got["d"] == "1.50"
    for refused in ({"n": 2**70}, {"t": value["t"]}):
        with pytest.raises(TypeError):
            encode(refused, strict=True)


@pytest.mark.parametrize(
    "raw, message",
    [
        ((MAX_FRAME + 1).to_bytes(4, "big"), "exceeds"),
        (b"\x00\x00\x00\x02\xff\xfe", "UTF-8"),
        (b"\x00\x00\x00\x03{x}", "JSON"),
        (b"\x00\x00\x00\x02[]", "JSON object"),
    ],
)
def test_bad_frames_are_protocol_errors(raw, message):
    with pytest.raises(ProtocolError, match=message):
        list(FrameDecoder().feed(raw))


@pytest.mark.parametrize(
    "msg, error",
    [
        ({"id": 1, "op": "nope"}, "unknown op"),
        ({"id": 2, "op": "fetch", "max": 0, "wait": 1}, "max"),
        ({"id": 3, "op": "fetch", "max": 1, "wait": "x"}, "wait"),
        ({"id": 4, "op": "finish", "outcomes": []}, "outcomes"),
        ({"id": 5, "op": "finish", "outcomes": [{"job_id": 0, "result": "completed"}]}, "job_id"),
        ({"id": 5, "op": "finish", "outcomes": [{"job_id": 1, "attempt": "1"}]}, "attempt"),
        ({"id": 8, "op": "finish", "completed": [[1]]}, "pairs"),
        ({"id": 9, "op": "finish", "completed": [[1, "1"]]}, "pairs"),
        ({"id": 10, "op": "finish", "completed": [[0, 1]]}, "pairs"),
        ({"id": 11, "op": "finish", "completed": [[True, 1]]}, "pairs"),
        ({"id": 12, "op": "finish", "completed": {"1": 1}}, "lists"),
        ({"id": 13, "op": "finish", "completed": [[1, 1]] * 5001}, "1 to 5000"),
        ({"id": 6, "op": "query", "name": 5}, "name"),
        ({"id": 7, "op": "query", "name": "x", "params": [1]}, "params"),
    ],
)
def test_invalid_requests_are_answerable_errors(msg, error):
    with pytest.raises(RequestError, match=error):
        parse_request(msg)


def test_an_outcome_with_one_bad_field_becomes_its_jobs_error():
    bad = {"job_id": 7, "attempt": 2, "result": "snooze", "snooze": -1}
    request = parse_request({"id": 1, "op": "finish", "outcomes": [bad]})
    assert request["op"] == "finish"
    (got,) = request["outcomes"]
    assert (got["job_id"], got["attempt"], got["result"]) == (7, 2, "error")
    assert got["error"] == "invalid outcome from the child: outcome.snooze must be a number in" \
        " [0, 1000000000]"  # fmt: skip


def test_plain_completions_travel_as_pairs():
    message = {"id": 1, "op": "finish", "completed": [[5, 1], [6, 2]]}
    assert parse_request(message) == {
        "id": 1,
        "op": "finish",
        "completed": [[5, 1], [6, 2]],
        "outcomes": [],
    }


def test_request_without_id_breaks_the_protocol():
    with pytest.raises(ProtocolError):
        parse_request({"op": "fetch", "max": 1, "wait": 1})
