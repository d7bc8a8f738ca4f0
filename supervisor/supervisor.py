"""The parent: owns every database session, runs the children, and one loop decides.

Signal handlers, child exit watchers, restart timers, background tasks and the ticker only
post typed events; `_loop` takes them one at a time and dispatches each to its `_on_*`
handler, so no two decisions race (gunicorn's arbiter). Stopping, the rolling restart of a
reload and the orphan sweep are states of this loop, not coroutines of their own, and the
loop never waits on the database: reads it needs (queue depth, the sweep) run as held tasks.
Notifications from the listener are dispatched directly: they only wake fetchers, pause
queues or forward a cancel.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections import deque
from dataclasses import dataclass

from supervisor import pid1
from supervisor.child import ALIVE, Child, State
from supervisor.child_user import check_user
from supervisor.children import ChildSet
from supervisor.completer import Completer
from supervisor.config import Config, ConfigError, reload
from supervisor.database import RETRYABLE, Database
from supervisor.deadclients import DeadClients
from supervisor.leader import Elector
from supervisor.listener import Listener, Notification
from supervisor.maintenance import Maintenance
from supervisor.metrics import Metrics
from supervisor.migrate import schema_status_async
from supervisor.observe import Observer
from supervisor.queues import QueueKeeper
from supervisor.tasks import Tasks

log = logging.getLogger("civic.supervisor")
TICK = 0.5
SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
"""SIGTERM / SIGINT: graceful stop (a second one: stop at once). SIGHUP: reload."""
RELOAD_STEP_TIMEOUT = 60.0
"""A reload waits this long for one child to come back before it moves to the next."""


class StartupError(Exception):
    """The supervisor cannot start (schema missing or too old); exit non-zero with this."""


@dataclass(frozen=True)
class SignalReceived:
    sig: signal.Signals


@dataclass(frozen=True)
class ChildExited:
    child: Child
    cause: str


@dataclass(frozen=True)
class RestartDue:
    child: Child


@dataclass(frozen=True)
class TaskCrashed:
    name: str
    exc: BaseException


@dataclass(frozen=True)
class OrphanSweepNeeded:
    pass


@dataclass(frozen=True)
class Tick:
    pass


Event = SignalReceived | ChildExited | RestartDue | TaskCrashed | OrphanSweepNeeded | Tick


@dataclass
class _Reload:
    """A rolling restart in progress: children still to recycle, and the one coming back."""

    todo: deque[Child]
    current: Child | None = None
    since: float = 0.0


class Supervisor:
    def __init__(self, cfg: Config, only: list[str] | None = None) -> None:
        self.cfg = cfg
        self.only = only
        self.queues = cfg.enabled_queues(only)
        if not self.queues:
            raise StartupError(
                "no child is enabled: enable one in queues.<name>.enabled or use --only"
            )
        self.events: asyncio.Queue[Event] = asyncio.Queue()
        self.tasks = Tasks(lambda name, exc: self.events.put_nowait(TaskCrashed(name, exc)))
        self.db = Database(cfg)
        self.completer = Completer(self.db)
        self.maintenance = Maintenance(self.db, cfg)
        m = cfg.maintenance
        self.elector = Elector(
            self.db, cfg.client_id, m.elect_interval, m.leader_ttl, self._leadership
        )
        self.metrics = Metrics()
        self.children = ChildSet(
            cfg, self.queues, self.db, self.completer, on_outcomes=self.metrics.outcomes,
            spawn=self.tasks.spawn, need_sweep=lambda: self.events.put_nowait(OrphanSweepNeeded()),
        )  # fmt: skip
        self.keeper = QueueKeeper(self.db, cfg, self.children)
        self.listener: Listener | None = None
        if not cfg.database.poll_only:
            self.listener = Listener(
                cfg.database.listen_url or cfg.database.url,
                cfg.database.application_name + " listener",
                cfg.schema,
                on_notify=self._notified,
                on_connect=self.children.wake_all,
                client_id=cfg.client_id,
                on_lock=self._lock_changed,
                dead_after=m.dead_client_after,
            )
            self.children.gate.live = False  # until the liveness lock is ours
        self.dead = DeadClients(self.db, cfg.client_id, m.dead_client_after)
        self.observer = Observer(
            self.metrics, self.children, self.db, listen=cfg.metrics.listen,
            is_leader=lambda: self.elector.is_leader,
            listener_up=lambda: bool(self.listener and self.listener.connected),
            failures=lambda: {**self.maintenance.failures,
                              "completer": self.completer.unrecordable},
            written=lambda: self.completer.written,
        )  # fmt: skip
        self.stopping = False
        self.exit_code = 0
        self.reloading: _Reload | None = None
        self._sweep_wanted = False
        self._sweeping = False

    # --- callbacks from the listener and the elector: they only set state or post ---

    def _lock_changed(self, held: bool) -> None:
        """Claim only while our liveness lock is held. Once it is ours again, return any job
        still running under our client id that no child holds (a restart), and fetch."""
        self.children.gate.live = held
        if held:
            self.events.put_nowait(OrphanSweepNeeded())
            self.children.wake_all()

    def _leadership(self, leader: bool) -> None:
        """Maintenance runs while we lead; never again once stopping (the elector keeps
        running through the drain and may still win)."""
        if leader and not self.stopping:
            self.maintenance.start()
        else:
            self.maintenance.stop()

    def _notified(self, note: Notification) -> None:
        if note["topic"] == "river_insert":
            self.children.wake(note["queue"])
        elif note["topic"] == "river_control":
            if note["action"] == "cancel":
                self.children.cancel(note["job_id"])
            else:
                self.children.pause(note["queue"], note["action"] == "pause")
        elif note["action"] == "resigned":
            if note["leader_id"] != self.cfg.client_id:
                self.elector.poke()
        elif self.elector.is_leader:  # request_resign
            self.tasks.spawn(self.elector.resign())

    # --- start ---

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
        for sig in SIGNALS:
            loop.add_signal_handler(sig, self.events.put_nowait, SignalReceived(sig))
        started = time.monotonic()
        if problem := await asyncio.to_thread(check_user, self.cfg.child_user):
            raise ConfigError(problem)
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
        essential = [self.completer.run(), self.keeper.run(), self._ticker(), self._dead_clients()]
        if self.cfg.maintenance.leadership == "auto":
            essential.append(self.elector.run())
        else:
            log.info("maintenance.leadership is never: leaving River's leader duties to others")
        if self.listener is not None:
            essential.append(self.listener.run())
        for coro in essential:
            self.tasks.spawn(coro, essential=True)
        self.tasks.spawn(self.observer.read_depth())
        self.observer.start()
        for child in self.children:
            await self._start(child)
        log.info(
            "civic-supervisor running: client %s, children %s, budget %d connections (%.2fs)",
            self.cfg.client_id, ", ".join(q.name for q in self.queues),
            self.cfg.database.max_conns, time.monotonic() - started,
        )  # fmt: skip
        try:
            await self._loop()
            return await self._close()
        finally:
            for sig in SIGNALS:
                loop.remove_signal_handler(sig)

    async def _start(self, child: Child) -> None:
        await child.start()
        self.tasks.spawn(self._watch(child))

    async def _watch(self, child: Child) -> None:
        cause = await child.wait_exit()
        self.events.put_nowait(ChildExited(child, cause))

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            self.events.put_nowait(Tick())

    async def _dead_clients(self) -> None:
        while True:
            await asyncio.sleep(self.cfg.maintenance.dead_client_interval)
            try:
                await self.dead.check()
            except RETRYABLE as exc:
                log.warning("dead-client check: %s", exc)

    # --- the loop ---

    async def _loop(self) -> None:
        """Until stopping and every child has exited."""
        while not (self.stopping and not self.children.alive()):
            match await self.events.get():
                case SignalReceived(sig):
                    self._on_signal(sig)
                case ChildExited(child, cause):
                    self._on_exit(child, cause)
                case RestartDue(child):
                    if not self.stopping and child.state is State.BACKOFF:
                        await self._start(child)
                case TaskCrashed(name, exc):
                    log.critical("internal task %s failed; stopping", name, exc_info=exc)
                    self._stop(graceful=True, code=os.EX_SOFTWARE)
                case OrphanSweepNeeded():
                    self._sweep_wanted = True
                case Tick():
                    self._on_tick()

    def _on_signal(self, sig: signal.Signals) -> None:
        if sig == signal.SIGHUP:
            if not self.stopping:
                self._reload()
        elif self.stopping:
            log.warning("second %s: stopping at once", sig.name)
            for child in self.children:
                child.kill_interrupted("worker process killed at shutdown")
        else:
            log.info("%s: graceful stop", sig.name)
            self._stop(graceful=True, code=0)

    def _on_exit(self, child: Child, cause: str) -> None:
        delay = child.on_exit(cause, restart=not self.stopping)
        if child.state is State.FATAL:
            log.critical(
                "child %s restarted more than %d times within %gs (last: %s); stopping so "
                "the service manager can act", child.name, self.cfg.restart.max_restarts,
                self.cfg.restart.window, cause,
            )  # fmt: skip
            self._stop(graceful=True, code=1)
        elif delay is not None:
            loop = asyncio.get_running_loop()
            loop.call_later(delay, self.events.put_nowait, RestartDue(child))

    def _on_tick(self) -> None:
        now = time.monotonic()
        self._fence(now)
        for child in self.children:
            child.check(now)
        if self._sweep_wanted and not self._sweeping and not self.stopping:
            self._sweep_wanted = False
            self._sweeping = True
            self.tasks.spawn(self._sweep())
        if self.reloading is not None:
            self._advance_reload(now)
        pid1.reap_orphans(pid for c in self.children if (pid := c.pid) is not None)
        self.observer.tick()

    async def _sweep(self) -> None:
        try:
            await self.children.sweep_orphans()
        finally:
            self._sweeping = False

    def _fence(self, now: float) -> None:
        """Our liveness lock has been gone for half of `dead_client_after`: if only we are cut
        off, a peer will soon take us for dead and run our jobs again, so stop running them
        first (they go back as interrupted). Peers count from when the server lost our
        session, which we see at once when it closes it, or within the listener's ping (a
        fifth of `dead_client_after`) when the link just goes silent, while the server keeps
        our lock. The price: a database outage longer than that interrupts jobs in flight."""
        lost = self.listener.lost_at if self.listener is not None else None
        after = 0.5 * self.cfg.maintenance.dead_client_after
        if lost is not None and now - lost >= after:
            self.children.fence(
                f"worker process killed: this supervisor lost its liveness lock {after:g}s ago "
                "(database unreachable?) and a peer may rescue its jobs"
            )

    # --- reload: a rolling restart, one child at a time, advanced by the tick ---

    def _reload(self) -> None:
        """SIGHUP: read config.yaml again, then recycle each child gracefully (it stops
        fetching, finishes its jobs, exits) and start the next only once the previous is back
        and ready: no job is dropped and at most one queue pauses at a time. Settings of the
        parent's sessions or identity need a full restart; they are kept and a warning says so."""
        log.info("SIGHUP: reloading %s", self.cfg.source)
        try:
            kept = reload(self.cfg)
        except ConfigError as exc:
            log.error("reload refused, keeping the running configuration: %s", exc)
            return
        running = {c.name for c in self.children}
        kept += [f"queues.{n}.enabled" for n in sorted(running ^ {
            q.name for q in self.cfg.enabled_queues(self.only)})]  # fmt: skip
        if kept:
            log.warning("changed %s: takes effect only after a full restart", ", ".join(kept))
        for child in self.children:
            child.queue = self.cfg.queues.get(child.name, child.queue)
            child.policy.cfg = self.cfg.restart
            child.fetcher.queue = child.queue.queue
            child.fetcher.poll_interval = self.cfg.fetch_poll_interval
        self.maintenance.reload()
        logging.getLogger().setLevel(self.cfg.log.level.upper())
        self.observer.notifier.reloading()
        self.reloading = _Reload(deque(self.children))

    def _advance_reload(self, now: float) -> None:
        r = self.reloading
        assert r is not None
        if r.current is not None:
            back = r.current.state is State.RUNNING and r.current.run is not None
            if not back and now - r.since < RELOAD_STEP_TIMEOUT:
                return
            log.info("child %s restarted with the new settings", r.current.name)
            r.current = None
        while r.todo:
            child = r.todo.popleft()
            if child.state in (State.RUNNING, State.STARTING):
                child.recycle(now + self.cfg.shutdown_timeout)
                r.current, r.since = child, now
                return
        log.info("reload done")
        self.reloading = None
        self.observer.notifier.ready(self.observer.summary())

    # --- stop ---

    def _stop(self, *, graceful: bool, code: int) -> None:
        """Stop claiming; give in-flight jobs `shutdown_timeout` (or nothing) to finish, still
        handling events, so a second signal means "now"; the tick kills what overruns and its
        jobs go back as interrupted (attempt restored, no error). `_close` runs once every
        child has exited."""
        if self.stopping:
            return
        self.stopping, self.exit_code = True, code
        self.reloading = None
        self.observer.stop()
        self.maintenance.stop()
        deadline = time.monotonic() + (self.cfg.shutdown_timeout if graceful else 0.0)
        for child in self.children:
            child.request_stop(deadline)

    async def _close(self) -> int:
        """Write every outcome, resign, close every session. Exit code 0 only if all
        outcomes were written."""
        assert not any(c.state in ALIVE for c in self.children)
        await self.tasks.cancel_all()
        clean = await self.completer.drain(max(5.0, self.cfg.shutdown_timeout))
        await self.elector.resign()
        self.maintenance.stop()
        if self.listener is not None and self.listener.conn is not None:
            await self.listener.conn.close()
        await self.db.close()
        log.info("stopped%s", "" if clean else " (some outcomes could not be written)")
        return self.exit_code if clean else max(self.exit_code, 1)


__all__ = ["StartupError", "Supervisor"]
