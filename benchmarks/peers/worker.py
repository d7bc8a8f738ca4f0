"""Both ends of a peer's worker process: `WorkerProcess` in the bench, `worker_main` in the
process (`python -m benchmarks.peers --worker SPEC`), talking over a ready/go handshake."""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.peers.settings import STOP_TIMEOUT, PeerSettings
from benchmarks.peers.specs import PEER_SPECS, Peer

ROOT = Path(__file__).resolve().parents[2]
"""The repository, where `python -m benchmarks.peers` finds the package."""


def worker_main(spec: str) -> int:
    """Inside the worker process: `ready` on stdout once set up, then run on `go` from stdin."""
    cfg = json.loads(spec)
    peer = PEER_SPECS[cfg["system"]]
    settings = PeerSettings(**cfg["settings"])
    handshake = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # anything else the libraries print goes to the log, never into the pipe

    async def ready() -> None:
        print("ready", file=handshake, flush=True)
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        if line.strip() != "go":
            raise SystemExit(1)

    coro = peer.worker(cfg["conninfo"], settings, ready)
    if peer.use_uvloop:
        import uvloop

        uvloop.run(coro)
    else:
        asyncio.run(coro)
    return 0


class WorkerProcess:
    """A peer's worker in a process of its own, as it runs in production (and as the
    supervisor does), so the bench's polling and sampling never share its GIL."""

    def __init__(self, peer: Peer, conninfo: str, settings: PeerSettings) -> None:
        spec = json.dumps({"system": peer.name, "conninfo": conninfo,
                           "settings": settings.__dict__})  # fmt: skip
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by close()
            prefix=f"peer-{peer.name}-", suffix=".log"
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.peers", "--worker", spec], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until the worker has imported, connected and registered its handler."""
        assert self.proc.stdout is not None
        readable, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if readable else ""  # "" also on exit (EOF)
        if line.strip() != "ready":
            self.stop(timeout)
            raise RuntimeError(f"the worker exited during start:\n{self.log_tail()}")

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM (both peers stop gracefully on it); SIGKILL after `timeout`."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def log_tail(self, lines: int = 20) -> str:
        text = Path(self.log.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def close(self) -> None:
        self.stop()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()
        self.log.close()
