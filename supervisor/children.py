"""All children: start, watch, restart with backoff, stop, and route queue events to them.

A dead child's jobs go back at once with the cause as their error (River's retry policy then
spaces out a poison job until it is discarded); a stopped or recycled child's unfinished
jobs go back as interrupted (attempt restored, no error).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from supervisor.broker import Broker
from supervisor.child import Child, State
from supervisor.completer import Completer
from supervisor.config import Config, QueueConfig
from supervisor.database import RETRYABLE, Database
from supervisor.fetcher import Fetcher
from supervisor.orphans import ClaimGate

log = logging.getLogger("civic.children")
AWS_SECTIONS = {"s3"}


class ChildSet:
    def __init__(
        self,
        cfg: Config,
        queues: list[QueueConfig],
        db: Database,
        completer: Completer,
        post: Callable[[Any], None],
    ) -> None:
        self.cfg = cfg
        self.post = post
        self.db = db
        self.completer = completer
        self.gate = ClaimGate()
        self.children: dict[str, Child] = {}
        for q in queues:
            fetcher = Fetcher(
                db,
                q.queue,
                cfg.client_id,
                cfg["fetch_poll_interval"],
                cfg["fetch_cooldown"],
                self.gate,
            )
            broker = Broker(q, db, completer, fetcher)
            uses_aws = bool(AWS_SECTIONS & set(q.spec.settings)) or (
                "email" in q.spec.settings and cfg["email.transport"] == "ses"
            )
            self.children[q.name] = Child(
                broker, self.init_message(q), uses_aws, user=cfg["child_user"]
            )

    def init_message(self, q: QueueConfig) -> dict[str, Any]:
        return {
            "event": "init", "name": q.name, "queue": q.queue, "max_workers": q.max_workers,
            "handlers": q.spec.handlers, "settings": {s: self.cfg.section(s) for s in q.spec.settings},
            "job_timeout": q.job_timeout, "job_timeout_grace": self.cfg["job_timeout_grace"],
            "log_level": self.cfg["log.level"].upper(),
        }  # fmt: skip

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.children.values())

    async def start_all(self) -> None:
        for child in self:
            await self.restart(child)

    async def restart(self, child: Child) -> None:
        if child.state not in (State.STOPPED, State.BACKOFF, State.EXITED):
            return
        await child.start()
        asyncio.get_running_loop().create_task(self._watch(child))

    async def _watch(self, child: Child) -> None:
        cause = await child.wait_exit()
        self.post(("exit", child, cause))

    def exited(self, child: Child, cause: str, *, restart: bool) -> None:
        graceful = child.state == State.STOPPING and child.kill_cause is None
        released = child.broker.release_all(None if graceful else cause)
        child.last_exit = (
            f"{cause} ({child.broker.last_error})" if child.broker.last_error else cause
        )
        child.transition(State.EXITED)
        level = logging.INFO if graceful else logging.ERROR
        log.log(level, "child %s: %s; %d job(s) returned", child.name, cause, len(released))
        if not restart:
            child.transition(State.STOPPED)
            return
        uptime = time.monotonic() - child.started_at
        initial, ceiling = self.cfg["restart.backoff_initial"], self.cfg["restart.backoff_max"]
        if child.recycling:
            child.backoff, delay = 0.0, 0.0
        elif uptime >= self.cfg["restart.healthy_after"] or child.backoff == 0:
            child.backoff = delay = initial
        else:
            child.backoff = delay = min(child.backoff * 2, ceiling)
        child.recycling = False
        child.restarts += 1
        if not graceful and self._crash_loop(child):
            self.post(("fatal", child, cause))
            return
        child.transition(State.BACKOFF)
        if delay:
            log.info("child %s restarts in %.1fs", child.name, delay)
        asyncio.get_running_loop().call_later(delay, self.post, ("restart", child))

    async def sweep_orphans(self) -> None:
        """After a failed claim: return rows claimed for us that no child holds."""
        queues = sorted({c.broker.queue.queue for c in self})

        def held() -> list[int]:
            return [i for c in self for i in c.broker.held] + list(self.completer.unresolved)

        try:
            await self.gate.sweep(self.db, self.cfg.client_id, queues, held)
        except RETRYABLE as exc:
            log.warning("orphan sweep postponed: %s", exc)

    def _crash_loop(self, child: Child) -> bool:
        """Too many unplanned restarts within the window: the operator's platform must act."""
        limit, window = self.cfg["restart.max_restarts"], self.cfg["restart.window"]
        now = time.monotonic()
        child.crashes = [t for t in child.crashes if now - t < window] + [now]
        return bool(limit) and len(child.crashes) > limit

    def supervise(self) -> None:
        """Periodic checks: silent children, overrun jobs, stuck threads, slow stops."""
        if self.gate.needed:
            self.gate.needed = False
            asyncio.get_running_loop().create_task(self.sweep_orphans())
        now = time.monotonic()
        hb, grace = self.cfg["heartbeat_timeout"], self.cfg["job_timeout_grace"]
        for child in self:
            b = child.broker
            if child.state == State.STOPPING:
                if child.stop_deadline and now > child.stop_deadline:
                    b.release_all(None)
                    child.kill("worker process killed: did not stop within shutdown_timeout")
                continue
            if child.state not in (State.STARTING, State.RUNNING):
                continue
            if b.ready and child.state == State.STARTING:
                child.transition(State.RUNNING)
            if now - b.last_heartbeat > hb:
                child.kill(f"worker process killed: no heartbeat for {hb:g}s")
            elif any(h.deadline and now > h.deadline + grace + 5 for h in b.held.values()):
                child.kill(
                    "worker process killed: a job overran its deadline and was never reported"
                )
            elif reason := self._recycle_reason(child):
                log.info("child %s: %s; recycling it between jobs", child.name, reason)
                self.recycle(child)

    @staticmethod
    def _recycle_reason(child: Child) -> str | None:
        b, q = child.broker, child.broker.queue
        if b.stuck:
            return f"{b.stuck} job thread(s) stuck past their deadline"
        if q.max_memory and b.rss > q.max_memory:
            return f"RSS {b.rss >> 20} MiB over max_memory {q.max_memory >> 20} MiB"
        if q.max_jobs_per_child and b.processed >= q.max_jobs_per_child:
            return f"{b.processed} jobs done (max_jobs_per_child)"
        return None

    def recycle(self, child: Child) -> None:
        if child.state == State.STOPPING:
            return
        child.recycling = True
        child.stop_deadline = time.monotonic() + self.cfg["shutdown_timeout"]
        child.request_stop()

    async def stop_all(self, timeout: float) -> None:
        alive = [c for c in self if c.proc is not None and c.proc.returncode is None]
        for child in self:
            child.request_stop()
        if alive:
            await asyncio.wait(
                [asyncio.ensure_future(c.proc.wait()) for c in alive], timeout=timeout
            )
        self.kill_all_interrupted()
        for child in alive:
            await child.proc.wait()

    def fence(self, cause: str) -> None:
        """Stop every child that holds jobs at once; their jobs go back as interrupted
        (attempt restored, no error), written when the database answers again."""
        for child in self:
            if child.broker.held and child.proc is not None and child.proc.returncode is None:
                child.broker.release_all(None)
                child.kill(cause)

    def kill_all_interrupted(self) -> None:
        for child in self:
            if child.proc is not None and child.proc.returncode is None:
                child.broker.release_all(None)
                child.kill("worker process killed at shutdown")

    def wake(self, queue: str) -> None:
        for child in self:
            if child.broker.queue.queue == queue:
                child.broker.fetcher.wake()

    def wake_all(self) -> None:
        for child in self:
            child.broker.fetcher.wake()

    def control(self, data: dict[str, Any]) -> None:
        """river_control: cancel a running job, pause or resume a queue."""
        action, queue = data.get("action"), data.get("queue")
        for child in self:
            b = child.broker
            if (
                action == "cancel"
                and isinstance(data.get("job_id"), int)
                and data["job_id"] in b.held
            ):
                if child.channel is not None:
                    child.channel.send_event("cancel", job_id=data["job_id"])
            elif action in ("pause", "resume") and queue in ("*", b.queue.queue):
                b.fetcher.paused = action == "pause"
                log.info("queue %s %sd", b.queue.queue, action)
                if action == "resume":
                    b.fetcher.wake()
