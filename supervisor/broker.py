"""Everything the parent does for one child: its claims, its jobs, its statements.

The broker is the trust boundary. It runs only statements the child's spec registers, accepts
outcomes only for jobs this child holds in the attempt it was given, and remembers every job
it handed out, so a dead child's jobs go back at once with the cause as their error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from proxy.protocol import JOB_FIELDS, RequestError
from supervisor import outcomes
from supervisor.completer import Completer, Pending
from supervisor.config import QueueConfig
from supervisor.database import Database
from supervisor.fetcher import Fetcher
from supervisor.outcomes import Held, StateChange

log = logging.getLogger("civic.broker")
WIRE = len(JOB_FIELDS)
"""A claimed row (proxy.river_sql.CLAIM) is the job as sent to the child, then `attempted_at`
and `n_errors`, which only the parent keeps."""


@dataclass
class Broker:
    queue: QueueConfig
    db: Database
    completer: Completer
    fetcher: Fetcher
    held: dict[int, Held] = field(default_factory=dict)
    last_heartbeat: float = field(default_factory=time.monotonic)
    busy: int = 0
    stuck: int = 0
    rss: int = 0
    ready: bool = False
    closed: bool = False
    processed: int = 0
    last_error: str = ""
    """The last error the child logged outside any job in this run (why it failed to start)."""
    on_outcomes: Callable[[list[Held], str], None] = lambda jobs, result: None
    """Metrics hook: (jobs, result) for the outcomes accepted from the child."""

    def __post_init__(self) -> None:
        schema = self.db.prefix[:-1]  # '"metadata"' without the trailing dot
        self.statements = {
            name: text.replace("{schema}", schema)
            for name, text in self.queue.spec.statements.items()
        }
        self.child_log = logging.getLogger(f"civic.child.{self.queue.name}")

    async def handle(self, op: str, params: dict[str, Any]) -> dict[str, Any]:
        self.last_heartbeat = time.monotonic()
        if op == "fetch":
            return {"jobs": await self._fetch(params["max"], params["wait"])}
        if op == "finish":
            await self._finish(params["completed"], params["outcomes"])
            return {}
        if op == "query":
            return {"rows": await self._query(params["name"], params["params"])}
        if op == "heartbeat":
            self.busy, self.stuck, self.rss = params["busy"], params["stuck"], params["rss"]
            return {}
        if op == "ready":
            self.ready = True
            return {}
        raise RequestError(f"unknown op {op!r}", "unknown_op")

    def notify(self, op: str, params: dict[str, Any]) -> None:
        if op == "log":
            extra = {"child": self.queue.name, "job_id": params["job_id"], "kind": params["kind"],
                     "attempt": params["attempt"]}  # fmt: skip
            msg = params["msg"] + (f"\n{params['exc']}" if params["exc"] else "")
            self.child_log.log(params["level"], "%s", msg, extra=extra)
            if params["level"] >= logging.ERROR and params["job_id"] is None:  # not a job's
                self.last_error = (params["exc"] or params["msg"]).strip().splitlines()[-1][:300]

    async def _fetch(self, max_jobs: int, wait: float) -> list[tuple[Any, ...]]:
        limit = self.queue.max_jobs_per_child
        if limit:  # never hand out more than the child may still do before it is recycled
            max_jobs = min(max_jobs, limit - self.processed - len(self.held))
            if max_jobs <= 0:
                await asyncio.sleep(min(wait, 1.0))
                return []
        rows = await self.fetcher.fetch(max_jobs, wait)
        timeout = self.queue.job_timeout
        deadline = time.monotonic() + timeout if timeout > 0 else None
        for job_id, kind, _, attempt, max_attempts, queue, *_, attempted_at, n_errors in rows:
            self.held[job_id] = Held(
                id=job_id, attempt=attempt, max_attempts=max_attempts, n_errors=n_errors,
                attempted_at=attempted_at, kind=kind, queue=queue, deadline=deadline,
            )  # fmt: skip
        if self.closed and rows:  # the child died while we were claiming for it
            self.release_all(None)
            return []
        return [row[:WIRE] for row in rows]

    async def _finish(self, completed: list[list[int]], items: list[dict[str, Any]]) -> None:
        """Accept outcomes for jobs this child holds in that attempt; wait until written."""
        done, changes = [], []
        for job_id, attempt in completed:
            if (held := self._take(job_id, attempt)) is not None:
                done.append(held)
        for o in items:
            if (held := self._take(o["job_id"], o["attempt"])) is None:
                continue
            change, writes = outcomes.from_child(held, o), []
            try:
                writes = [(self._statement(n), _bind(p)) for n, p in o["writes"]]
            except RequestError as exc:
                change = outcomes.errored(held, str(exc))
            changes.append(Pending(change, writes, held))
            self.on_outcomes([held], o["result"])
        self.on_outcomes(done, "completed")
        self.processed += len(done) + len(changes)
        await self.completer.submit(changes, [(h.id, h.attempt) for h in done])

    def _take(self, job_id: int, attempt: int) -> Held | None:
        held = self.held.get(job_id)
        if held is None or held.attempt != attempt:
            log.warning("%s: outcome for job %s that it does not hold; ignored",
                        self.queue.name, job_id)  # fmt: skip
            return None
        return self.held.pop(job_id)

    def _statement(self, name: str) -> str:
        text = self.statements.get(name)
        if text is None:
            log.warning(
                "SECURITY: child %s asked for unregistered statement %r",
                self.queue.name,
                name[:100],
            )
            raise RequestError(
                f"statement {name!r} is not registered for {self.queue.name}", "forbidden"
            )
        return text

    async def _query(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        text = self._statement(name)

        async def run(conn: psycopg.AsyncConnection) -> list[dict[str, Any]]:
            cur = await conn.execute(text, _bind(params))
            if cur.description is None:
                return []
            names = [d.name for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in await cur.fetchmany(10000)]

        try:
            return await self.db.retrying(run, what=f"{self.queue.name}.{name}")
        except psycopg.OperationalError as exc:
            raise RequestError(f"database unavailable: {exc}", "unavailable") from None
        except (psycopg.Error, KeyError, TypeError, ValueError) as exc:
            raise RequestError(f"{name}: {type(exc).__name__}: {exc}", "database") from None

    def release_all(self, cause: str | None) -> list[StateChange]:
        """Give back every held job: with `cause` as its error, or (None) as interrupted;
        but a job past its deadline gets its timeout as the error, so a handler that never
        returns still uses up its attempts."""
        now = time.monotonic()
        timeout = (
            f"JobTimeout: job exceeded its deadline of {self.queue.job_timeout:g}s and never"
            " returned; its worker process was stopped"
        )

        def back(h: Held) -> StateChange:
            if cause:
                return outcomes.errored(h, cause)
            if h.deadline is not None and now > h.deadline:
                return outcomes.errored(h, timeout)
            return outcomes.interrupted(h)

        changes = [back(h) for h in self.held.values()]
        self.completer.submit([Pending(c, held=self.held[c.id]) for c in changes])
        self.on_outcomes(list(self.held.values()), "error" if cause else "interrupted")
        self.held.clear()
        return changes


def _bind(params: dict[str, Any]) -> dict[str, Any]:
    """JSON objects from the child become jsonb parameters; everything else binds as is."""
    return {k: Jsonb(v) if isinstance(v, dict) else v for k, v in params.items()}
