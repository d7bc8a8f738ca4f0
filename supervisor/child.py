r"""One child process and its whole lifecycle, as an explicit state machine (after
supervisord's process.py): every state change goes through `Child.change_state`, which
refuses a move that is not in `LEGAL`.

    STOPPED --start--> STARTING --ready--> RUNNING
                          |                   |
                          +--request_stop--+--+--exit--> EXITED --restart--> BACKOFF --start--^
                          |                |                |   (delay, or 0 for a recycle)
                          +--exit-+     STOPPING --exit-----+--no restart--> STOPPED
                                  |                         |
                                  +--> EXITED               +--crash loop--> FATAL
    BACKOFF --request_stop--> STOPPED

FATAL ends the child for good: the supervisor then stops (exit 1) so the service manager can
act. The restart policy (backoff doubling, reset after a healthy run, the crash-loop window)
is the child's own. Everything that belongs to one incarnation (process, channel, held jobs,
heartbeat, counters) lives in a `Run`, created by `start` and dropped at exit.

A child is exec'd (`python -m workers.runtime`), never forked from the parent, so it inherits
no database session; its environment is scrubbed to an allowlist plus what its spec names,
and its settings (secrets included) arrive over its private socketpair, never in argv or the
environment.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import os
import pwd
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from proxy.framing import encode
from proxy.server import Channel
from supervisor.child_session import ChildSession
from supervisor.completer import Completer
from supervisor.config import Config, QueueConfig, RestartConfig
from supervisor.database import Database
from supervisor.fetcher import Fetcher
from supervisor.outcomes import Held

log = logging.getLogger("civic.child")

ENV_ALLOW = ("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "VIRTUAL_ENV", "PYTHONPATH",
             "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "SYSTEMROOT")  # fmt: skip


class State(enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    EXITED = "exited"
    BACKOFF = "backoff"
    FATAL = "fatal"


LEGAL: dict[State, frozenset[State]] = {
    State.STOPPED: frozenset({State.STARTING}),
    State.STARTING: frozenset({State.RUNNING, State.STOPPING, State.EXITED}),
    State.RUNNING: frozenset({State.STOPPING, State.EXITED}),
    State.STOPPING: frozenset({State.EXITED}),
    State.EXITED: frozenset({State.BACKOFF, State.STOPPED, State.FATAL}),
    State.BACKOFF: frozenset({State.STARTING, State.STOPPED}),
    State.FATAL: frozenset(),
}
ALIVE = frozenset({State.STARTING, State.RUNNING, State.STOPPING})
"""States in which a process exists (its exit is still to be reported)."""


class IllegalTransitionError(RuntimeError):
    """A bug: some code asked for a state change the lifecycle does not allow."""


def child_env(names: Iterable[str]) -> dict[str, str]:
    """The base allowlist plus the variables the child's spec names, as set here."""
    extra = set(names)
    return {
        k: v for k, v in os.environ.items() if k in ENV_ALLOW or k.startswith("LC_") or k in extra
    }


@dataclass
class RestartPolicy:
    """When a dead child comes back, and when it has died too often to try again."""

    cfg: RestartConfig
    backoff: float = 0.0
    crashes: list[float] = field(default_factory=list)

    def delay(self, uptime: float, *, recycled: bool) -> float:
        """A recycle restarts at once; a crash waits, doubling up to the ceiling, and a run
        that lasted `healthy_after` starts the doubling over."""
        if recycled:
            self.backoff = 0.0
            return 0.0
        if uptime >= self.cfg.healthy_after or self.backoff == 0:
            self.backoff = self.cfg.backoff_initial
        else:
            self.backoff = min(self.backoff * 2, self.cfg.backoff_max)
        return self.backoff

    def gave_up(self, now: float) -> bool:
        """Too many unplanned restarts within the window: the operator's platform must act."""
        self.crashes = [t for t in self.crashes if now - t < self.cfg.window] + [now]
        return bool(self.cfg.max_restarts) and len(self.crashes) > self.cfg.max_restarts


@dataclass
class Run:
    """One incarnation of a child: created by `Child.start`, dropped when it exits."""

    proc: asyncio.subprocess.Process
    session: ChildSession
    """The RPC endpoint of this run: its claims, held jobs, heartbeat and counters."""
    channel: Channel
    started_at: float
    kill_cause: str | None = None
    recycling: bool = False
    stop_deadline: float = 0.0


class Child:
    def __init__(
        self,
        cfg: Config,
        queue: QueueConfig,
        db: Database,
        completer: Completer,
        fetcher: Fetcher,
        on_outcomes: Callable[[list[Held], str], None],
        spawn: Callable[[Any], None],
    ) -> None:
        self.cfg = cfg
        self.queue = queue
        self.db = db
        self.completer = completer
        self.fetcher = fetcher
        self.on_outcomes = on_outcomes
        self._spawn = spawn
        """Runs a coroutine as a held, reported background task (supervisor.tasks)."""
        self.policy = RestartPolicy(cfg.restart)
        self.state = State.STOPPED
        self.run: Run | None = None
        self.restarts = 0
        self.last_exit = ""
        self.has_run = False
        """Reached RUNNING at least once: the start-up is over even if it recycles at once."""

    @property
    def name(self) -> str:
        return self.queue.name

    @property
    def held(self) -> dict[int, Held]:
        return self.run.session.held if self.run else {}

    @property
    def busy(self) -> int:
        return self.run.session.busy if self.run else 0

    @property
    def pid(self) -> int | None:
        return self.run.proc.pid if self.run else None

    def change_state(self, new: State) -> None:
        if new not in LEGAL[self.state]:
            raise IllegalTransitionError(f"child {self.name}: {self.state.value} -> {new.value}")
        log.debug("child %s: %s -> %s", self.name, self.state.value, new.value)
        self.state = new
        self.has_run = self.has_run or new is State.RUNNING

    def init_message(self) -> dict[str, Any]:
        q, cfg = self.queue, self.cfg
        return {
            "event": "init", "name": q.name, "queue": q.queue, "max_workers": q.max_workers,
            "handlers": q.spec.handlers, "kinds": list(q.spec.kinds),
            "settings": cfg.child_settings(q.spec), "job_timeout": q.job_timeout,
            "job_timeout_grace": cfg.job_timeout_grace, "log_level": cfg.log.level.upper(),
        }  # fmt: skip

    async def start(self) -> None:
        """STOPPED or BACKOFF -> STARTING: exec the process and serve its channel."""
        self.change_state(State.STARTING)
        parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        fd = child_sock.fileno()
        user: int | None = None
        group: int | None = None
        if self.cfg.child_user and os.geteuid() == 0:
            entry = pwd.getpwnam(self.cfg.child_user)
            user, group = entry.pw_uid, entry.pw_gid
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "workers.runtime", str(fd), str(os.getpid()),
                pass_fds=(fd,), env=child_env(self.cfg.child_env_names(self.queue.spec)),
                stdin=asyncio.subprocess.DEVNULL, cwd="/", user=user, group=group,
                extra_groups=[] if user is not None else None,
            )  # fmt: skip
        finally:
            child_sock.close()
        parent_sock.sendall(encode(self.init_message()))
        self.fetcher.stopped = False
        session = ChildSession(
            self.queue, self.db, self.completer, self.fetcher, on_outcomes=self.on_outcomes
        )
        channel = Channel(parent_sock, self.name, session.handle, session.notify)
        self.run = Run(proc, session, channel, time.monotonic())
        self._spawn(self._serve(self.run))
        log.info("child %s started (pid %d)", self.name, proc.pid)

    async def _serve(self, run: Run) -> None:
        await run.channel.serve()
        if run.channel.violation:
            self.kill(f"worker process killed: protocol violation: {run.channel.violation}")

    async def wait_exit(self) -> str:
        """Wait for this run's process; close its channel; return why it ended."""
        assert self.run is not None
        run = self.run
        code = await run.proc.wait()
        run.session.closed = True
        run.channel.close()
        if run.kill_cause:
            return run.kill_cause
        if code < 0:
            return f"worker process exited with signal {-code}"
        return f"worker process exited with code {code}"

    def on_exit(self, cause: str, *, restart: bool) -> float | None:
        """The process is gone: return its jobs, drop the run, and decide what follows.
        Returns the restart delay when the child goes to BACKOFF, else None (STOPPED, or
        FATAL when it crashed too often)."""
        run = self.run
        assert run is not None
        graceful = self.state is State.STOPPING and run.kill_cause is None
        released = run.session.release_all(None if graceful else cause)
        error = run.session.last_error
        self.last_exit = f"{cause} ({error})" if error else cause
        self.change_state(State.EXITED)
        self.run = None
        log.log(logging.INFO if graceful else logging.ERROR,
                "child %s: %s; %d job(s) returned", self.name, cause, len(released))  # fmt: skip
        if not restart:
            self.change_state(State.STOPPED)
            return None
        delay = self.policy.delay(time.monotonic() - run.started_at, recycled=run.recycling)
        self.restarts += 1
        if not graceful and self.policy.gave_up(time.monotonic()):
            self.change_state(State.FATAL)
            return None
        self.change_state(State.BACKOFF)
        if delay:
            log.info("child %s restarts in %.1fs", self.name, delay)
        return delay

    def check(self, now: float) -> None:
        """Per tick: promote a ready start, and kill or recycle a child that misbehaves."""
        run = self.run
        if run is None:
            return
        s = run.session
        if self.state is State.STOPPING:
            if run.stop_deadline and now > run.stop_deadline:
                self.kill_interrupted("worker process killed: did not stop within shutdown_timeout")
            return
        if self.state is State.STARTING and s.ready:
            self.change_state(State.RUNNING)
        hb, grace = self.cfg.heartbeat_timeout, self.cfg.job_timeout_grace
        if now - s.last_heartbeat > hb:
            self.kill(f"worker process killed: no heartbeat for {hb:g}s")
        elif any(h.deadline and now > h.deadline + grace + 5 for h in s.held.values()):
            self.kill("worker process killed: a job overran its deadline and was never reported")
        elif reason := self._recycle_reason(s):
            log.info("child %s: %s; recycling it between jobs", self.name, reason)
            self.recycle(now + self.cfg.shutdown_timeout)

    def _recycle_reason(self, s: ChildSession) -> str | None:
        q = self.queue
        if s.stuck:
            return f"{s.stuck} job thread(s) stuck past their deadline"
        if q.max_memory and s.rss > q.max_memory:
            return f"RSS {s.rss >> 20} MiB over max_memory {q.max_memory >> 20} MiB"
        if q.max_jobs_per_child and s.processed >= q.max_jobs_per_child:
            return f"{s.processed} jobs done (max_jobs_per_child)"
        return None

    def recycle(self, deadline: float) -> None:
        """Stop gracefully and come back at once (new settings, a leak, a stuck thread)."""
        if self.run is not None and self.state in (State.STARTING, State.RUNNING):
            self.run.recycling = True
            self.request_stop(deadline)

    def request_stop(self, deadline: float) -> None:
        """Graceful: stop fetching, finish in-flight jobs by `deadline`, report, exit. A child
        waiting to restart just stays down."""
        if self.state is State.BACKOFF:
            self.change_state(State.STOPPED)
            return
        if self.run is None or self.state not in (State.STARTING, State.RUNNING):
            return
        self.change_state(State.STOPPING)
        self.run.stop_deadline = deadline
        self.fetcher.stop()
        self.run.channel.send_event("stop")

    def kill(self, cause: str) -> None:
        """SIGKILL now; `cause` becomes the error of every job it still holds."""
        run = self.run
        if run is None or run.proc.returncode is not None:
            return
        run.kill_cause = run.kill_cause or cause
        log.error("child %s: %s", self.name, cause)
        run.proc.send_signal(signal.SIGKILL)

    def kill_interrupted(self, cause: str) -> None:
        """SIGKILL now, its jobs going back as interrupted (attempt restored, no error): the
        child did nothing wrong (shutdown, or our own lock lost)."""
        if self.run is not None and self.run.proc.returncode is None:
            self.run.session.release_all(None)
            self.kill(cause)
