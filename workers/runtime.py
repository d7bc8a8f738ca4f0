"""A child process: `python -m workers.runtime FD PARENT_PID`.

It holds no database connection and no database URL: its only way out is the socket FD,
over which the parent sends one `init` message (queue, settings, handlers) and then answers
fetch, finish and query requests. Threads: main (fetch loop), rpc reader, reporter (batches
outcomes; the parent acknowledges after commit), heartbeat (liveness, deadlines, title).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import logging
import os
import queue
import signal
import socket
import sys
import threading
import time
from typing import Any

from setproctitle import setproctitle

from proxy.client import ParentGone, RpcClient, RpcError
from proxy.framing import read_frame
from workers.executor import Executor
from workers.rpc_logging import RpcLogHandler

FETCH_WAIT = 5.0
BATCH_WAIT = 0.005
HEARTBEAT = 1.0
PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> None:
    """SIGKILL us when the parent dies, even if it never closes the socket (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(0)


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def load_handlers(ref: str, settings: dict[str, Any]) -> dict[str, Any]:
    module, _, attr = ref.partition(":")
    target = getattr(importlib.import_module(module), attr)
    handlers = target(settings) if callable(target) else target
    if not isinstance(handlers, dict):
        raise TypeError(f"{ref} must be a dict of kind -> handler, or build one")
    return handlers


class Child:
    def __init__(self, sock: socket.socket, init: dict[str, Any]) -> None:
        self.name: str = init["name"]
        self.stopping = threading.Event()
        self.rpc = RpcClient(sock, self._on_event, lambda: os._exit(0))
        self.executor = Executor(
            rpc=self.rpc, handlers={}, settings=init["settings"],
            max_workers=init["max_workers"], job_timeout=init["job_timeout"], child=self.name,
        )  # fmt: skip
        self.grace: float = init["job_timeout_grace"]
        self.unacked = 0

    def _on_event(self, event: dict[str, Any]) -> None:
        if event["event"] == "cancel":
            self.executor.cancel(int(event["job_id"]))
        elif event["event"] == "stop":
            self.stop()

    def stop(self, *_: object) -> None:
        self.stopping.set()
        with self.executor.cond:
            self.executor.cond.notify_all()

    def _title(self) -> None:
        busy = len(self.executor.running)
        setproctitle(f"civic-supervisor: {self.name} [{busy}/{self.executor.max_workers} busy]")

    def _heartbeat_loop(self) -> None:
        while True:
            self.executor.expire()
            self._title()
            try:
                rss = _rss()
                busy = len(self.executor.running)
                self.rpc.call(
                    "heartbeat", busy=busy, stuck=self.executor.stuck(self.grace), rss=rss
                )
            except ParentGone:
                return
            time.sleep(HEARTBEAT)

    def _report_loop(self) -> None:
        outbox = self.executor.outbox
        while True:
            batch = [outbox.get()]
            while len(batch) < 5000:
                try:
                    batch.append(outbox.get_nowait())
                except queue.Empty:
                    break
            self.unacked = len(batch)
            try:
                self.rpc.call("finish", outcomes=batch)
            except ParentGone:
                return
            except Exception:  # noqa: BLE001 - logged; the parent keeps the jobs it refused
                logging.getLogger("civic.child").exception("parent refused outcomes")
            self.unacked = 0
            for _ in batch:
                outbox.task_done()

    def run(self, handlers_ref: str) -> int:
        self.rpc.start()
        self.executor.handlers = load_handlers(handlers_ref, self.executor.settings)
        for target in (self._heartbeat_loop, self._report_loop):
            threading.Thread(target=target, name=target.__name__, daemon=True).start()
        self.rpc.call("ready")
        ex = self.executor
        while not self.stopping.is_set():
            with ex.cond:
                ex.cond.wait_for(lambda: ex.free_slots() > 0 or self.stopping.is_set())
                # Busy: let a few more slots free up (at most BATCH_WAIT) so that claims stay
                # batches instead of degrading to one job per round trip.
                half = ex.max_workers // 2
                if ex.free_slots() < half:
                    ex.cond.wait_for(
                        lambda h=half: ex.free_slots() >= h or self.stopping.is_set(), BATCH_WAIT
                    )
            if self.stopping.is_set():
                break
            try:
                reply = self.rpc.call(
                    "fetch", timeout=FETCH_WAIT + 60, max=ex.free_slots(), wait=FETCH_WAIT
                )
            except RpcError as exc:
                logging.getLogger("civic.child").warning("fetch failed: %s", exc)
                time.sleep(1.0)
                continue
            for job in reply["jobs"]:
                ex.submit(job)
        ex.wait_idle()
        ex.outbox.join()
        return 0


def main(argv: list[str]) -> int:
    fd, parent_pid = int(argv[1]), int(argv[2])
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which decides
    sock = socket.socket(fileno=fd)
    os.environ["CIVIC_RPC_FD"] = str(fd)  # for the bench kind that injects protocol faults
    init = read_frame(sock)
    setproctitle(f"civic-supervisor: {init['name']} [starting]")
    child = Child(sock, init)
    signal.signal(signal.SIGTERM, child.stop)
    root = logging.getLogger()
    root.handlers[:] = [RpcLogHandler(child.rpc)]
    root.setLevel(init.get("log_level", "INFO"))
    try:
        return child.run(init["handlers"])
    except ParentGone:
        return 0
    except Exception:
        logging.getLogger("civic.child").exception("child %s failed to start", child.name)
        time.sleep(0.2)  # let the log record reach the parent
        return 78


if __name__ == "__main__":
    sys.exit(main(sys.argv))
