"""What a child may ask of the parent, checked field by field before anything is done.

A request is `{"id": int, "op": str, ...}` (answered) or, for `log`, has no id (not
answered). Anything else is a `RequestError` (answered with ok=false) or, when the message
cannot even be attributed to a request, a `ProtocolError` that ends the child.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from proxy.framing import ProtocolError

RESULTS = ("completed", "error", "cancel", "snooze")
MAX_TEXT = 16 * 1024
MAX_TRACE = 64 * 1024
MAX_BATCH = 5000
MAX_WRITES = 100
MAX_ID = 2**63 - 1
MAX_ATTEMPT = 32767
JOB_FIELDS = ("id", "kind", "args_json", "attempt", "max_attempts", "queue", "priority",
              "metadata_json", "created_at", "scheduled_at")  # fmt: skip
"""A fetched job on the wire (parent to child): one array in this order, the first columns of
proxy.river_sql.CLAIM, so the parent sends each claimed row as it came."""


class RequestError(Exception):
    """A well-framed request that is wrong: answered with an error, the child lives on."""

    def __init__(self, message: str, type_: str = "bad_request") -> None:
        super().__init__(message)
        self.type = type_


def _int(v: Any, lo: int, hi: int, name: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise RequestError(f"{name} must be an integer in [{lo}, {hi}]")
    return v


def _optional_int(v: Any, hi: int, name: str) -> int | None:
    return None if v is None else _int(v, 0, hi, name)


def _num(v: Any, lo: float, hi: float, name: str) -> float:
    if not isinstance(v, int | float) or isinstance(v, bool) or not lo <= v <= hi:
        raise RequestError(f"{name} must be a number in [{lo}, {hi}]")
    return float(v)


def _str(v: Any, limit: int, name: str, *, optional: bool = False) -> str | None:
    if v is None and optional:
        return None
    if not isinstance(v, str):
        raise RequestError(f"{name} must be a string")
    return v[:limit]


def _dict(v: Any, name: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise RequestError(f"{name} must be an object")
    return v


def _writes(v: Any) -> list[tuple[str, dict[str, Any]]]:
    if v is None:
        return []
    if not isinstance(v, list) or len(v) > MAX_WRITES:
        raise RequestError(f"writes must be a list of at most {MAX_WRITES}")
    out = []
    for w in v:
        w = _dict(w, "write")
        out.append((_str(w.get("name"), 200, "write.name"), _dict(w.get("params", {}), "params")))
    return out


def _identity(o: dict[str, Any]) -> tuple[int, int]:
    return (
        _int(o.get("job_id"), 1, MAX_ID, "outcome.job_id"),
        _int(o.get("attempt"), 0, MAX_ATTEMPT, "outcome.attempt"),
    )


def outcome(o: Any) -> dict[str, Any]:
    o = _dict(o, "outcome")
    job_id, attempt = _identity(o)
    result = o.get("result")
    if result not in RESULTS:
        raise RequestError(f"outcome.result must be one of {', '.join(RESULTS)}")
    return {
        "job_id": job_id,
        "attempt": attempt,
        "result": result,
        "error": _str(o.get("error", ""), MAX_TEXT, "outcome.error") or "",
        "trace": _str(o.get("trace", ""), MAX_TRACE, "outcome.trace") or "",
        "snooze": _num(o.get("snooze", 0), 0, 10**9, "outcome.snooze"),
        "writes": _writes(o.get("writes")),
    }


def completions(v: Any) -> list[list[int]]:
    """`[[job_id, attempt], ...]`: plain completions (no writes), the bulk of all outcomes,
    sent as pairs so that neither side builds an object per job."""
    if not isinstance(v, list):
        raise RequestError("completed must be a list of [job_id, attempt] pairs")
    for pair in v:
        if not (
            type(pair) is list
            and len(pair) == 2
            and type(pair[0]) is int
            and type(pair[1]) is int
            and 1 <= pair[0] <= MAX_ID
            and 0 <= pair[1] <= MAX_ATTEMPT
        ):
            raise RequestError("completed must be a list of [job_id, attempt] pairs")
    return v


def _fetch(m: dict[str, Any]) -> dict[str, Any]:
    return {"max": _int(m.get("max"), 1, 10000, "max"), "wait": _num(m.get("wait"), 0, 300, "wait")}


def _finish(m: dict[str, Any]) -> dict[str, Any]:
    items, pairs = m.get("outcomes", []), m.get("completed", [])
    if not isinstance(items, list) or not isinstance(pairs, list):
        raise RequestError("outcomes and completed must be lists")
    if not 1 <= len(items) + len(pairs) <= MAX_BATCH:
        raise RequestError(f"outcomes and completed must hold 1 to {MAX_BATCH} in all")
    return {"completed": completions(pairs), "outcomes": [_attributed(o) for o in items]}


def _attributed(o: Any) -> dict[str, Any]:
    """An outcome, or, when only its job and attempt are valid, that job's error: one bad
    field (a snooze of -1 s) must not leave the rest of the batch `running`."""
    try:
        return outcome(o)
    except RequestError as exc:
        if not isinstance(o, dict):
            raise
        job_id, attempt = _identity(o)  # raises when the outcome cannot be attributed
        error = f"invalid outcome from the child: {exc}"
        return {"job_id": job_id, "attempt": attempt, "result": "error", "error": error,
                "trace": "", "snooze": 0.0, "writes": []}  # fmt: skip


def _query(m: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": _str(m.get("name"), 200, "name"),
        "params": _dict(m.get("params", {}), "params"),
    }


def _heartbeat(m: dict[str, Any]) -> dict[str, Any]:
    return {
        "busy": _int(m.get("busy", 0), 0, 10**6, "busy"),
        "stuck": _int(m.get("stuck", 0), 0, 10**6, "stuck"),
        "rss": _int(m.get("rss", 0), 0, 2**50, "rss"),
    }


def _log(m: dict[str, Any]) -> dict[str, Any]:
    return {
        "level": _int(m.get("level", 20), 0, 100, "level"),
        "logger": _str(m.get("logger", "worker"), 200, "logger"),
        "msg": _str(m.get("msg", ""), MAX_TRACE, "msg"),
        "exc": _str(m.get("exc"), MAX_TRACE, "exc", optional=True),
        "job_id": _optional_int(m.get("job_id"), MAX_ID, "job_id"),
        "kind": _str(m.get("kind"), 200, "kind", optional=True),
        "attempt": _optional_int(m.get("attempt"), MAX_ATTEMPT, "attempt"),
    }


OPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "ready": lambda m: {},
    "fetch": _fetch,
    "finish": _finish,
    "query": _query,
    "heartbeat": _heartbeat,
    "log": _log,
}
NOTIFICATIONS = {"log"}


def parse_request(message: dict[str, Any]) -> tuple[int | None, str, dict[str, Any]]:
    """(id, op, validated params); raises RequestError (answerable) or ProtocolError."""
    op = message.get("op")
    rid = message.get("id")
    if not isinstance(op, str):
        raise ProtocolError("request without a string op")
    if op in NOTIFICATIONS and rid is None:
        return None, op, OPS[op](message)
    if not isinstance(rid, int) or isinstance(rid, bool) or not 0 <= rid < 2**53:
        raise ProtocolError("request without a valid integer id")
    if op not in OPS:
        raise RequestError(f"unknown op {str(op)[:50]!r}", "unknown_op")
    return rid, op, OPS[op](message)
