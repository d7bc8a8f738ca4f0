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

from proxy.protocol import RequestError
from supervisor import outcomes
from supervisor.completer import Completer, Pending
from supervisor.config import QueueConfig
from supervisor.database import Database
from supervisor.fetcher import Fetcher
from supervisor.outcomes import Held, StateChange

log = logging.getLogger("civic.broker")


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
    on_outcome: Callable[[Held, str], None] | None = None
    """Metrics hook: (job, result) for every outcome accepted from the child."""

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
            return {"states": await self._finish(params["outcomes"])}
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

    async def _fetch(self, max_jobs: int, wait: float) -> list[dict[str, Any]]:
        limit = self.queue.max_jobs_per_child
        if limit:  # never hand out more than the child may still do before it is recycled
            max_jobs = min(max_jobs, limit - self.processed - len(self.held))
            if max_jobs <= 0:
                await asyncio.sleep(min(wait, 1.0))
                return []
        rows = await self.fetcher.fetch(max_jobs, wait)
        timeout = self.queue.job_timeout
        now = time.monotonic()
        for row in rows:
            self.held[row["id"]] = Held(
                id=row["id"], attempt=row["attempt"], max_attempts=row["max_attempts"],
                n_errors=row.pop("n_errors"), attempted_at=row["attempted_at"], kind=row["kind"],
                queue=row["queue"], deadline=now + timeout if timeout > 0 else None,
            )  # fmt: skip
        if self.closed and rows:  # the child died while we were claiming for it
            self.release_all(None)
            return []
        return rows

    async def _finish(self, items: list[dict[str, Any]]) -> dict[str, str | None]:
        futures = {}
        for o in items:
            held = self.held.get(o["job_id"])
            if held is None or held.attempt != o["attempt"]:
                log.warning("%s: outcome for job %s that it does not hold; ignored",
                            self.queue.name, o["job_id"])  # fmt: skip
                continue
            del self.held[held.id]
            change, writes = outcomes.from_child(held, o), []
            try:
                writes = [(self._statement(n), _bind(p)) for n, p in o["writes"]]
            except RequestError as exc:
                change = outcomes.errored(held, str(exc))
            futures[held.id] = self.completer.submit(Pending(change, writes, held))
            if self.on_outcome is not None:
                self.on_outcome(held, o["result"])
        self.processed += len(futures)
        return {str(job_id): await fut for job_id, fut in futures.items()}

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
        """Give back every held job: with `cause` as its error, or (None) as interrupted."""
        changes = [
            outcomes.errored(h, cause) if cause else outcomes.interrupted(h)
            for h in self.held.values()
        ]
        for change in changes:
            self.completer.submit(Pending(change, held=self.held[change.id]))
            if self.on_outcome is not None:
                self.on_outcome(self.held[change.id], "error" if cause else "interrupted")
        self.held.clear()
        return changes


def _bind(params: dict[str, Any]) -> dict[str, Any]:
    """JSON objects from the child become jsonb parameters; everything else binds as is."""
    return {k: Jsonb(v) if isinstance(v, dict) else v for k, v in params.items()}
