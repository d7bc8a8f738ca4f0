"""The messages between a child and its parent, and the checks the parent makes on each.

A request is `{"id": int, "op": str, ...}` (answered) or, for `log`, has no id (not
answered). The parent checks a request field by field into the TypedDict of its op, before
anything is done: anything wrong is a `RequestError` (answered with ok=false) or, when the
message cannot even be attributed to a request, a `ProtocolError` that ends the child.
TypedDicts, not classes: the dict that validation builds anyway is the typed message, so
typing costs the hot path nothing.

The parent sends `init` once, then replies and the events `cancel` and `stop`; the child
trusts its parent, and checks only what it needs to type them.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict, get_args

from proxy.framing import ProtocolError
from proxy.jobrow import Row

Result = Literal["completed", "error", "cancel", "snooze"]
RESULTS: tuple[Result, ...] = get_args(Result)
MAX_TEXT = 16 * 1024
MAX_TRACE = 64 * 1024
MAX_BATCH = 5000
"""Outcomes in one finish request, and in one statement of the completer."""
MAX_WRITES = 100
MAX_ID = 2**63 - 1
MAX_ATTEMPT = 32767

Write = tuple[str, dict[str, Any]]
"""A registered statement's name and its parameters."""


class Outcome(TypedDict):
    """A job's outcome as the parent accepts it, every field present."""

    job_id: int
    attempt: int
    result: Result
    error: str
    trace: str
    snooze: float
    writes: list[Write]


class WriteMessage(TypedDict):
    name: str
    params: dict[str, Any]


class OutcomeMessage(TypedDict):
    """A job's outcome as the child sends it (fields left out take Outcome's defaults)."""

    job_id: int
    attempt: int
    result: Result
    error: NotRequired[str]
    trace: NotRequired[str]
    snooze: NotRequired[float]
    writes: NotRequired[list[WriteMessage]]


Completion = list[int]
"""`[job_id, attempt]`: a plain completion (no writes), the bulk of all outcomes, sent as a
pair so that neither side builds an object per job."""


class ReadyRequest(TypedDict):
    id: int
    op: Literal["ready"]


class FetchRequest(TypedDict):
    id: int
    op: Literal["fetch"]
    max: int
    wait: float


class FinishRequest(TypedDict):
    id: int
    op: Literal["finish"]
    completed: list[Completion]
    outcomes: list[Outcome]


class QueryRequest(TypedDict):
    id: int
    op: Literal["query"]
    name: str
    params: dict[str, Any]


class HeartbeatRequest(TypedDict):
    id: int
    op: Literal["heartbeat"]
    busy: int
    stuck: int
    rss: int


class LogNotice(TypedDict):
    """A log record of the child (never answered)."""

    op: Literal["log"]
    level: int
    logger: str
    msg: str
    exc: str | None
    job_id: int | None
    kind: str | None
    attempt: int | None


Request = ReadyRequest | FetchRequest | FinishRequest | QueryRequest | HeartbeatRequest
"""A request the parent answers."""


class Ack(TypedDict):
    """The reply to ready, finish and heartbeat: only `ok`."""


class FetchReply(TypedDict):
    jobs: list[Row]
    """Claimed jobs, each a proxy.jobrow row of the wire's columns."""


class QueryReply(TypedDict):
    rows: list[dict[str, Any]]


Reply = Ack | FetchReply | QueryReply


class Init(TypedDict):
    """The parent's first message: what this child runs."""

    event: Literal["init"]
    name: str
    queue: str
    max_workers: int
    handlers: str
    """`module:attribute` of the kind -> handler dict, or of a function that builds it."""
    kinds: list[str]
    """The kinds the worker's spec declares: the handlers must serve exactly these."""
    settings: dict[str, Any]
    job_timeout: float
    job_timeout_grace: float
    log_level: str


class CancelEvent(TypedDict):
    event: Literal["cancel"]
    job_id: int


class StopEvent(TypedDict):
    event: Literal["stop"]


Event = CancelEvent | StopEvent


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


def _str(v: Any, limit: int, name: str) -> str:
    if not isinstance(v, str):
        raise RequestError(f"{name} must be a string")
    return v[:limit]


def _optional_str(v: Any, limit: int, name: str) -> str | None:
    return None if v is None else _str(v, limit, name)


def _dict(v: Any, name: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise RequestError(f"{name} must be an object")
    return v


def _writes(v: Any) -> list[Write]:
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


def _result(v: Any) -> Result:
    for result in RESULTS:
        if v == result:
            return result
    raise RequestError(f"outcome.result must be one of {', '.join(RESULTS)}")


def outcome(o: Any) -> Outcome:
    o = _dict(o, "outcome")
    job_id, attempt = _identity(o)
    return {
        "job_id": job_id,
        "attempt": attempt,
        "result": _result(o.get("result")),
        "error": _str(o.get("error", ""), MAX_TEXT, "outcome.error"),
        "trace": _str(o.get("trace", ""), MAX_TRACE, "outcome.trace"),
        "snooze": _num(o.get("snooze", 0), 0, 10**9, "outcome.snooze"),
        "writes": _writes(o.get("writes")),
    }


def completions(v: Any) -> list[Completion]:
    """`[[job_id, attempt], ...]`, checked without building anything per pair."""
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


def _attributed(o: Any) -> Outcome:
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


def _request(rid: int, op: str, m: dict[str, Any]) -> Request:
    if op == "fetch":
        return {"id": rid, "op": "fetch", "max": _int(m.get("max"), 1, 10000, "max"),
                "wait": _num(m.get("wait"), 0, 300, "wait")}  # fmt: skip
    if op == "finish":
        items, pairs = m.get("outcomes", []), m.get("completed", [])
        if not isinstance(items, list) or not isinstance(pairs, list):
            raise RequestError("outcomes and completed must be lists")
        if not 1 <= len(items) + len(pairs) <= MAX_BATCH:
            raise RequestError(f"outcomes and completed must hold 1 to {MAX_BATCH} in all")
        return {"id": rid, "op": "finish", "completed": completions(pairs),
                "outcomes": [_attributed(o) for o in items]}  # fmt: skip
    if op == "query":
        return {"id": rid, "op": "query", "name": _str(m.get("name"), 200, "name"),
                "params": _dict(m.get("params", {}), "params")}  # fmt: skip
    if op == "heartbeat":
        return {"id": rid, "op": "heartbeat", "busy": _int(m.get("busy", 0), 0, 10**6, "busy"),
                "stuck": _int(m.get("stuck", 0), 0, 10**6, "stuck"),
                "rss": _int(m.get("rss", 0), 0, 2**50, "rss")}  # fmt: skip
    if op == "ready":
        return {"id": rid, "op": "ready"}
    raise RequestError(f"unknown op {op[:50]!r}", "unknown_op")


def _log(m: dict[str, Any]) -> LogNotice:
    return {
        "op": "log",
        "level": _int(m.get("level", 20), 0, 100, "level"),
        "logger": _str(m.get("logger", "worker"), 200, "logger"),
        "msg": _str(m.get("msg", ""), MAX_TRACE, "msg"),
        "exc": _optional_str(m.get("exc"), MAX_TRACE, "exc"),
        "job_id": _optional_int(m.get("job_id"), MAX_ID, "job_id"),
        "kind": _optional_str(m.get("kind"), 200, "kind"),
        "attempt": _optional_int(m.get("attempt"), MAX_ATTEMPT, "attempt"),
    }


def parse_request(message: dict[str, Any]) -> Request | LogNotice:
    """The validated request; raises RequestError (answerable) or ProtocolError."""
    op = message.get("op")
    rid = message.get("id")
    if not isinstance(op, str):
        raise ProtocolError("request without a string op")
    if op == "log" and rid is None:
        return _log(message)
    if not isinstance(rid, int) or isinstance(rid, bool) or not 0 <= rid < 2**53:
        raise ProtocolError("request without a valid integer id")
    return _request(rid, op, message)


def parse_init(message: dict[str, Any]) -> Init:
    """The parent's init message; ProtocolError if it is not one."""
    fields: dict[str, type | tuple[type, ...]] = {
        "name": str, "queue": str, "max_workers": int, "handlers": str, "kinds": list,
        "settings": dict,
        "job_timeout": (int, float), "job_timeout_grace": (int, float), "log_level": str,
    }  # fmt: skip
    if message.get("event") != "init":
        raise ProtocolError("the parent's first message is not init")
    for name, kind in fields.items():
        if not isinstance(message.get(name), kind):
            raise ProtocolError(f"init.{name} is missing or of the wrong type")
    return {
        "event": "init",
        "name": message["name"],
        "queue": message["queue"],
        "max_workers": message["max_workers"],
        "handlers": message["handlers"],
        "kinds": [str(k) for k in message["kinds"]],
        "settings": message["settings"],
        "job_timeout": float(message["job_timeout"]),
        "job_timeout_grace": float(message["job_timeout_grace"]),
        "log_level": message["log_level"],
    }


def parse_event(message: dict[str, Any]) -> Event | None:
    """A parent event the child acts on; None for one it does not know."""
    event = message.get("event")
    if event == "stop":
        return {"event": "stop"}
    if event == "cancel":
        job_id = message.get("job_id")
        if type(job_id) is not int:
            raise ProtocolError("cancel without an integer job_id")
        return {"event": "cancel", "job_id": job_id}
    return None
