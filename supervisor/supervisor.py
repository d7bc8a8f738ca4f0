"""The parent: owns every database session, runs the children, and one event loop decides.

Events (signals, child exits, restarts, ticks) go through one queue and are handled in
order by `run`, so no two decisions race. Notifications from the listener are dispatched
directly: they only wake fetchers, pause queues or forward a cancel.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from typing import Any

from supervisor import pid1, reload, shutdown, signals
from supervisor.child import check_user
from supervisor.children import ChildSet
from supervisor.completer import Completer
from supervisor.config import Config
from supervisor.database import RETRYABLE, Database
from supervisor.deadclients import DeadClients
from supervisor.leader import Elector
from supervisor.listener import Listener
from supervisor.maintenance import Maintenance
from supervisor.migrate import schema_status_async
from supervisor.observe import Observer
from supervisor.queues import QueueKeeper
from supervisor.tasks import Tasks

log = logging.getLogger("civic.supervisor")
TICK = 0.5


class StartupError(Exception):
    """The supervisor cannot start (schema missing or too old); exit non-zero with this."""


class Supervisor:
    def __init__(self, cfg: Config, only: list[str] | None = None) -> None:
        self.cfg = cfg
        self.queues = cfg.enabled_queues(only)
        if not self.queues:
            raise StartupError(
                "no child is enabled: enable one in queues.<name>.enabled or use --only"
            )
        self.events: asyncio.Queue[Any] = asyncio.Queue()
        self.db = Database(cfg)
        self.completer = Completer(self.db)
        self.maintenance = Maintenance(self.db, cfg)
        self.elector = Elector(
            self.db, cfg.client_id, cfg["maintenance.elect_interval"], cfg["maintenance.leader_ttl"],
            self._leadership,
        )  # fmt: skip
        self.children = ChildSet(cfg, self.queues, self.db, self.completer, self.events.put_nowait)
        self.keeper = QueueKeeper(self.db, cfg, self.children)
        self.listener: Listener | None = None
        if not cfg["database.poll_only"]:
            self.listener = Listener(
                cfg["database.listen_url"] or cfg["database.url"],
                cfg["database.application_name"] + " listener", cfg.schema,
                self._notified, self.children.wake_all, cfg.client_id, self._lock_changed,
                cfg["maintenance.dead_client_after"],
            )  # fmt: skip
            self.children.gate.live = False  # until the liveness lock is ours
        self.dead = DeadClients(self.db, cfg.client_id, cfg["maintenance.dead_client_after"])
        self.observer = Observer(self)
        for child in self.children:
            child.broker.on_outcomes = self.observer.jobs_finished
        self.stopping = False
        self.tasks = Tasks(self.events.put_nowait)

    def _lock_changed(self, held: bool) -> None:
        """Claim only while our liveness lock is held. Once it is ours again, return any job
        still running under our client id that no child holds (a restart), and fetch."""
        self.children.gate.live = held
        if held:
            self.children.gate.needed = True
            self.children.wake_all()

    def _fence(self) -> None:
        """Our liveness lock has been gone for half of `dead_client_after`: if only we are cut
        off, a peer will soon take us for dead and run our jobs again, so stop running them
        first (they go back as interrupted). Peers count from when the server lost our
        session, which we see at once when it closes it, or within the listener's ping (a
        fifth of `dead_client_after`) when the link just goes silent, while the server keeps
        our lock. The price: a database outage longer than that interrupts jobs in flight."""
        lost = self.listener.lost_at if self.listener is not None else None
        after = 0.5 * self.cfg["maintenance.dead_client_after"]
        if lost is not None and time.monotonic() - lost >= after:
            self.children.fence(
                f"worker process killed: this supervisor lost its liveness lock {after:g}s ago "
                "(database unreachable?) and a peer may rescue its jobs"
            )

    async def _dead_clients(self) -> None:
        while True:
            await asyncio.sleep(self.cfg["maintenance.dead_client_interval"])
            try:
                await self.dead.check()
            except RETRYABLE as exc:
                log.warning("dead-client check: %s", exc)

    async def _reload(self) -> None:
        log.info("SIGHUP: reloading %s", self.cfg.source)
        self.observer.notifier.reloading()
        if reload.apply(self.cfg, self.children):
            await reload.rolling_restart(self.children)
            log.info("reload done")
        self.observer.notifier.ready(self.observer.summary())

    def _leadership(self, leader: bool) -> None:
        (self.maintenance.start if leader else self.maintenance.stop)()

    def _notified(self, topic: str, data: dict[str, Any]) -> None:
        if topic == "river_insert":
            self.children.wake(str(data.get("queue", "")))
        elif topic == "river_control":
            self.children.control(data)
        elif topic == "river_leadership":
            if data.get("action") == "resigned" and data.get("leader_id") != self.cfg.client_id:
                self.elector.poke()
            elif data.get("action") == "request_resign" and self.elector.is_leader:
                self.tasks.spawn(self.elector.resign())

    async def _check_schema(self) -> None:
        """Refuse below 7 or when something we use is missing; warn on a newer usable schema."""
        async with self.db.connection(timeout=30) as conn:
            status = await schema_status_async(conn, self.cfg.schema)
        if status.refusal:
            raise StartupError(status.refusal)
        if status.warning:
            log.warning("%s", status.warning)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        signals.install(loop, self.events.put_nowait)
        started = time.monotonic()
        if problem := await asyncio.to_thread(check_user, self.cfg["child_user"]):
            raise StartupError(problem)
        await self.db.open()
        try:
            await self._check_schema()
            await self.keeper.register()
        except RETRYABLE as exc:
            await self.db.close()
            raise StartupError(f"database unreachable: {exc}") from None
        except StartupError:
            await self.db.close()
            raise
        loops = [self.completer.run(), self.keeper.run(), self._ticker(), self._dead_clients()]
        if self.cfg["maintenance.leadership"] == "auto":
            loops.append(self.elector.run())
        else:
            log.info("maintenance.leadership is never: leaving River's leader duties to others")
        for loop_forever in loops:
            self.tasks.spawn(loop_forever, essential=True)
        if self.listener is not None:
            self.tasks.spawn(self.listener.run(), essential=True)
        self.observer.start()
        await self.children.start_all()
        log.info(
            "civic-supervisor running: client %s, children %s, budget %d connections (%.2fs)",
            self.cfg.client_id, ", ".join(q.name for q in self.queues),
            self.cfg["database.max_conns"], time.monotonic() - started,
        )  # fmt: skip
        code = await self._loop()
        signals.uninstall(loop)
        return code

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            self.events.put_nowait(("tick",))

    async def _loop(self) -> int:
        while True:
            event = await self.events.get()
            kind = event[0]
            if kind == "signal":
                sig = event[1]
                if sig == signal.SIGHUP:
                    if not self.stopping:
                        self.tasks.spawn(self._reload())
                    continue
                if self.stopping:
                    log.warning("second %s: stopping at once", signal.Signals(sig).name)
                    return await self._shutdown(graceful=False)
                log.info("%s: graceful stop", signal.Signals(sig).name)
                return await self._shutdown(graceful=True)
            if kind == "exit":
                self.children.exited(event[1], event[2], restart=not self.stopping)
            elif kind == "fatal":
                child = event[1]
                log.critical(
                    "child %s restarted more than %d times within %gs (last: %s); stopping so "
                    "the service manager can act", child.name, self.cfg["restart.max_restarts"],
                    self.cfg["restart.window"], event[2],
                )  # fmt: skip
                await self._shutdown(graceful=True)
                return 1
            elif kind == "crashed":
                log.critical("internal task %s failed; stopping", event[1], exc_info=event[2])
                await self._shutdown(graceful=True)
                return os.EX_SOFTWARE
            elif kind == "restart" and not self.stopping:
                await self.children.restart(event[1])
            elif kind == "tick":
                self._fence()
                self.children.supervise()
                pid1.reap_orphans(c.proc.pid for c in self.children if c.proc)
                await self.observer.tick()

    async def _shutdown(self, *, graceful: bool) -> int:
        return await shutdown.stop(self, graceful=graceful)


__all__ = ["StartupError", "Supervisor"]
