"""Everything the parent does for one child: its claims, its jobs, its statements.

The child session is the trust boundary. It runs only statements the child's spec registers, accepts
outcomes only for jobs this child holds in the attempt it was given, and remembers every job
it handed out, so a dead child's jobs go back at once with the cause as their error.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from proxy import jobrow
from proxy.protocol import Completion, LogNotice, Outcome, Reply, Request, RequestError
from supervisor import outcomes
from supervisor.completer import Completer, Pending
from supervisor.config import QueueConfig
from supervisor.database import Database
from supervisor.fetcher import Fetcher
from supervisor.outcomes import Held, StateChange

log = logging.getLogger("civic.child_session")


@dataclass
class ChildSession:
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

    async def handle(self, request: Request) -> Reply:
        self.last_heartbeat = time.monotonic()
        if request["op"] == "fetch":
            return {"jobs": await self._fetch(request["max"], request["wait"])}
        if request["op"] == "finish":
            await self._finish(request["completed"], request["outcomes"])
            return {}
        if request["op"] == "query":
            return {"rows": await self._query(request["name"], request["params"])}
        if request["op"] == "heartbeat":
            self.busy, self.stuck, self.rss = request["busy"], request["stuck"], request["rss"]
            return {}
        self.ready = True  # the one op left: ready
        return {}

    def notify(self, notice: LogNotice) -> None:
        extra = {"child": self.queue.name, "job_id": notice["job_id"], "kind": notice["kind"],
                 "attempt": notice["attempt"]}  # fmt: skip
        msg = notice["msg"] + (f"\n{notice['exc']}" if notice["exc"] else "")
        self.child_log.log(notice["level"], "%s", msg, extra=extra)
        if notice["level"] >= logging.ERROR and notice["job_id"] is None:  # not a job's
            self.last_error = (notice["exc"] or notice["msg"]).strip().splitlines()[-1][:300]

    async def _fetch(self, max_jobs: int, wait: float) -> list[jobrow.Row]:
        limit = self.queue.max_jobs_per_child
        if limit:  # never hand out more than the child may still do before it is recycled
            max_jobs = min(max_jobs, limit - self.processed - len(self.held))
            if max_jobs <= 0:
                await asyncio.sleep(min(wait, 1.0))
                return []
        rows = await self.fetcher.fetch(max_jobs, wait)
        timeout = self.queue.job_timeout
        deadline = time.monotonic() + timeout if timeout > 0 else None
        for row in rows:  # positional Held(...): keywords cost twice as much per job
            self.held[row[jobrow.ID]] = Held(
                row[jobrow.ID], row[jobrow.ATTEMPT], row[jobrow.MAX_ATTEMPTS],
                row[jobrow.N_ERRORS], row[jobrow.ATTEMPTED_AT], row[jobrow.KIND],
                row[jobrow.QUEUE], deadline,
            )  # fmt: skip
        if self.closed and rows:  # the child died while we were claiming for it
            self.release_all(None)
            return []
        return jobrow.wire(rows)

    async def _finish(self, completed: list[Completion], items: list[Outcome]) -> None:
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
                writes = [prepare(self._statement(n), n, p) for n, p in o["writes"]]
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
        text, bound = prepare(self._statement(name), name, params)

        async def run(conn: psycopg.AsyncConnection) -> list[dict[str, Any]]:
            cur = await conn.execute(text, bound)
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


_IDENT = re.compile(r"%\((\w+)\)I")
"""An identifier parameter, as PostgreSQL's format('%I'): quoted into the text by the
parent (a name cannot be bound), e.g. a function a row names."""


def prepare(text: str, name: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Statement `name`'s text with its `%(key)I` identifiers quoted in (the same key may also
    be bound as `%(key)s`), and its parameters bound."""
    if _IDENT.search(text) is None:
        return text, _bind(params)

    def quote(m: re.Match[str]) -> str:
        value = params.get(m.group(1))
        parts = value.split(".") if isinstance(value, str) else []
        if not 1 <= len(parts) <= 2 or not all(0 < len(p.encode()) <= 63 for p in parts):
            raise RequestError(f"{name}: {m.group(1)} must be an identifier, optionally "
                               "schema-qualified", "database")  # fmt: skip
        if any("\0" in p for p in parts):
            raise RequestError(f"{name}: {m.group(1)} contains NUL", "database")
        return sql.Identifier(*parts).as_string(None).replace("%", "%%")

    return _IDENT.sub(quote, text), _bind(params)


def _bind(params: dict[str, Any]) -> dict[str, Any]:
    """JSON objects from the child become jsonb parameters; everything else binds as is."""
    return {k: Jsonb(v) if isinstance(v, dict) else v for k, v in params.items()}
