"""Run one worker handler against a real database without the supervisor.

The job takes the production path, minus the socket and the supervisor: the row reaches the
child's `Executor` as the parent sends it, the executor calls the handler and builds the
outcome, query replies and the finish message cross `proxy.framing` both ways, the parent's
`parse_request` validates the finish, and its staged writes commit in one transaction with
the parent's parameter binding. So worker tests see the values production sends (ISO 8601
timestamps, bytes as hex) and the outcomes production records. End-to-end tests use the
real supervisor instead.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, cast

import orjson
import psycopg

from proxy.client import RpcClient
from proxy.framing import HEADER, decode_body, encode
from proxy.protocol import parse_request
from supervisor.child_session import prepare
from supervisor.river.sql import render
from workers.executor import Executor
from workers.job import Handler
from workers.spec import WorkerSpec

STATE = {"completed": "completed", "cancel": "cancelled", "snooze": "snoozed", "error": "error"}
"""The outcome a test sees, named as River records it, for each result on the wire."""


@dataclass
class Outcome:
    state: str
    """"completed", "cancelled", "snoozed" or "error"."""
    error: str = ""


def _across(message: dict[str, Any], *, strict: bool) -> dict[str, Any]:
    """`message` as the other side decodes it; `strict` is the child's encoding."""
    return decode_body(encode(message, strict=strict)[HEADER.size :])


class _Parent:
    """The parent's end of the RPC for one job: the spec's statements on a real database."""

    def __init__(self, spec: WorkerSpec, db_url: str) -> None:
        self.spec, self.db_url = spec, db_url

    def sql(self, name: str) -> str:
        return render(self.spec.statements[name], "metadata")

    def query(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        request = parse_request(
            _across({"id": 1, "op": "query", "name": name, "params": params}, strict=True)
        )
        assert request["op"] == "query", request
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            cur = conn.execute(*prepare(self.sql(name), name, request["params"]))
            if cur.description is None:
                return []
            names = [d.name for d in cur.description]
            rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        reply: list[dict[str, Any]] = _across({"rows": rows}, strict=False)["rows"]
        return reply


def run_handler(
    spec: WorkerSpec,
    handler: Handler,
    db_url: str,
    *,
    kind: str,
    args: Any,
    settings: dict[str, Any] | None = None,
    attempt: int = 1,
    timeout: float = 60.0,
) -> Outcome:
    """Run `handler` once as the child would; apply its staged writes as the parent would."""
    parent = _Parent(spec, db_url)
    executor = Executor(
        rpc=cast(RpcClient, parent),  # the executor calls only `query` on it
        handlers={kind: handler},
        settings=settings or {},
        max_workers=1,
        job_timeout=timeout,
        child=spec.name,
    )
    now = datetime.datetime.now(datetime.UTC).isoformat()
    row = [1, kind, orjson.dumps(args).decode(), attempt, 25, spec.queue, 1, "{}", now, now]
    (sent,) = _across({"jobs": [row]}, strict=False)["jobs"]
    entry = executor._entry(sent)
    outcome = executor._call(entry.job, entry.ctx)
    if outcome is None:
        return Outcome("completed")
    finish = {"id": 2, "op": "finish", "completed": [], "outcomes": [outcome]}
    request = parse_request(_across(finish, strict=True))
    assert request["op"] == "finish", request
    (received,) = request["outcomes"]
    if received["writes"]:
        with psycopg.connect(db_url) as conn, conn.transaction():
            for name, params in received["writes"]:
                conn.execute(*prepare(parent.sql(name), name, params))
    return Outcome(STATE[received["result"]], received["error"])
