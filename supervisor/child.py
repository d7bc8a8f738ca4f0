r"""One child process and its lifecycle, as an explicit state machine (after supervisord).

    STOPPED -> STARTING -> RUNNING -> EXITED -> BACKOFF -> STARTING ...
                                   \-> STOPPING -> STOPPED

A child is exec'd (`python -m workers.runtime`), never forked from the parent, so it inherits
no database session; its environment is scrubbed to an allowlist, and its settings (secrets
included) arrive over its private socketpair, never in argv or the environment.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import os
import pwd
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

from proxy.framing import encode
from proxy.server import Channel
from supervisor.broker import Broker

log = logging.getLogger("civic.child")

ENV_ALLOW = ("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "VIRTUAL_ENV", "PYTHONPATH",
             "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "SYSTEMROOT")  # fmt: skip
AWS_CHAIN = ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ROLE_ARN",
             "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
             "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
             "AWS_EC2_METADATA_DISABLED", "AWS_STS_REGIONAL_ENDPOINTS")  # fmt: skip
"""What boto3's default credential chain (IAM roles) needs; passed only to AWS-using children."""


class State(enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    BACKOFF = "backoff"
    STOPPING = "stopping"
    EXITED = "exited"


def child_env(uses_aws: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ENV_ALLOW or k.startswith("LC_")}
    if uses_aws:
        env |= {k: v for k, v in os.environ.items() if k in AWS_CHAIN}
    return env


def check_user(user: str) -> str | None:
    """Why children cannot run as `user` (None: they can). Found at start, this is one clear
    error; found at exec, a child that never starts and restarts for ever."""
    if not user or os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return f"child_user {user!r}: no such user"
    try:
        subprocess.run([sys.executable, "-c", ""], user=entry.pw_uid, group=entry.pw_gid,
                       extra_groups=[], cwd="/", check=True, timeout=30,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    except (OSError, subprocess.SubprocessError) as exc:
        return (f"child_user {user!r} cannot run {sys.executable} ({exc}): install Python "
                "where that user can reach it (not under a 0700 home directory)")  # fmt: skip
    return None


@dataclass
class Child:
    broker: Broker
    init: dict
    uses_aws: bool
    state: State = State.STOPPED
    proc: asyncio.subprocess.Process | None = None
    channel: Channel | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff: float = 0.0
    last_exit: str = ""
    kill_cause: str | None = None
    recycling: bool = False
    crashes: list[float] = field(default_factory=list)
    user: str = ""
    """Run the process as this user (only when we are root)."""
    stop_deadline: float = 0.0
    _tasks: set[asyncio.Task] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.broker.queue.name

    def transition(self, new: State) -> None:
        log.debug("child %s: %s -> %s", self.name, self.state.value, new.value)
        self.state = new

    async def start(self) -> None:
        self.transition(State.STARTING)
        parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        fd = child_sock.fileno()
        drop = {}
        if self.user and os.geteuid() == 0:
            entry = pwd.getpwnam(self.user)
            drop = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "workers.runtime", str(fd), str(os.getpid()),
            pass_fds=(fd,), env=child_env(self.uses_aws), stdin=asyncio.subprocess.DEVNULL,
            cwd="/", **drop,
        )  # fmt: skip
        child_sock.close()
        parent_sock.sendall(encode(self.init))
        self.started_at = time.monotonic()
        self.kill_cause = None
        self.broker.closed = False
        self.broker.ready = False
        self.broker.processed = self.broker.rss = self.broker.stuck = 0
        self.broker.last_error = ""
        self.broker.last_heartbeat = time.monotonic()
        self.broker.fetcher.stopped = False
        self.channel = Channel(parent_sock, self.name, self.broker.handle, self.broker.notify)
        self._spawn(self._serve(self.channel))
        log.info("child %s started (pid %d)", self.name, self.proc.pid)

    def _spawn(self, coro) -> None:  # type: ignore[no-untyped-def]
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, channel: Channel) -> None:
        await channel.serve()
        if channel.violation and self.proc and self.proc.returncode is None:
            self.kill(f"worker process killed: protocol violation: {channel.violation}")

    def kill(self, cause: str) -> None:
        """SIGKILL now; `cause` becomes the error of every job it held."""
        if self.proc is None or self.proc.returncode is not None:
            return
        self.kill_cause = self.kill_cause or cause
        log.error("child %s: %s", self.name, cause)
        self.proc.send_signal(signal.SIGKILL)

    def request_stop(self) -> None:
        """Graceful: stop fetching, finish in-flight jobs, report, exit."""
        if self.state in (State.STARTING, State.RUNNING):
            self.transition(State.STOPPING)
        self.broker.fetcher.stop()
        if self.channel is not None:
            self.channel.send_event("stop")

    async def wait_exit(self) -> str:
        """Wait for the process; close its channel; return why it ended."""
        assert self.proc is not None
        code = await self.proc.wait()
        self.broker.closed = True
        if self.channel is not None:
            self.channel.close()
        if self.kill_cause:
            return self.kill_cause
        if code < 0:
            return f"worker process exited with signal {-code}"
        return f"worker process exited with code {code}"
