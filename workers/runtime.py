"""A child process: `python -m workers.runtime FD PARENT_PID`.

It holds no database connection and no database URL: its only way out is the socket FD,
over which the parent sends one `init` message (queue, settings, handlers) and then answers
fetch, finish and query requests. Threads: main (waits for stop, then drains), two fetchers,
rpc reader, reporter (batches outcomes; the parent acknowledges after commit), heartbeat
(liveness, deadlines, title) and the worker threads.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import logging
import math
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from setproctitle import setproctitle

from proxy.client import ParentGoneError, RpcClient, RpcError
from proxy.framing import read_frame
from proxy.protocol import MAX_BATCH, Event, Init, parse_init
from workers.executor import Executor
from workers.job import Handler
from workers.rpc_logging import RpcLogHandler

FETCH_WAIT = 5.0
FETCH_REPLY_TIMEOUT = FETCH_WAIT + 60
"""A parent that has not answered a long-poll by then is stuck: this child stops (and is
restarted) rather than idle forever with a dead fetcher."""
BATCH_WAIT = 0.005
FETCHERS = 2
"""Fetches in flight at once (each for the slots free when it starts)."""
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


def load_handlers(ref: str, settings: dict[str, Any], kinds: list[str]) -> dict[str, Handler]:
    """The handlers at `ref`; they must serve exactly the kinds the spec declares, since the
    parent claims by queue and a kind without a handler would fail every one of its jobs."""
    module, _, attr = ref.partition(":")
    target = getattr(importlib.import_module(module), attr)
    handlers = target(settings) if callable(target) else target
    if not isinstance(handlers, dict):
        raise TypeError(f"{ref} must be a dict of kind -> handler, or build one")
    problems = []
    if missing := sorted(set(kinds) - set(handlers)):
        problems.append(f"no handler for {', '.join(missing)}")
    if extra := sorted(set(handlers) - set(kinds)):
        problems.append(f"handlers for undeclared kinds {', '.join(extra)}")
    if problems:
        raise TypeError(f"{ref} does not serve the kinds its spec declares: {'; '.join(problems)}")
    return handlers


class Child:
    def __init__(self, sock: socket.socket, init: Init) -> None:
        self.name = init["name"]
        self.stopping = threading.Event()
        self.rpc = RpcClient(sock, self._on_event, lambda: os._exit(0))
        self.executor = Executor(
            rpc=self.rpc, handlers={}, settings=init["settings"],
            max_workers=init["max_workers"], job_timeout=init["job_timeout"], child=self.name,
        )  # fmt: skip
        self.grace = init["job_timeout_grace"]
        self.flowing = threading.Event()
        """Set while claims return jobs: the second fetcher works only then."""
        self.abort: Callable[[int], None] = os._exit

    def _on_event(self, event: Event) -> None:
        if event["event"] == "cancel":
            self.executor.cancel(event["job_id"])
        else:
            self.stop()

    def stop(self, *_: object) -> None:
        self.stopping.set()
        self.flowing.set()  # releases a waiting second fetcher, which then sees `stopping`
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
                busy = len(self.executor.running)
                self.rpc.heartbeat(busy, self.executor.stuck(self.grace), _rss())
            except ParentGoneError:
                return
            time.sleep(HEARTBEAT)

    def _report_loop(self) -> None:
        ex = self.executor
        while True:
            completed, others = ex.take_outcomes(MAX_BATCH)
            try:
                self.rpc.finish(completed, others)
            except ParentGoneError:
                return
            except Exception:  # e.g. refused: the parent still holds those jobs
                # Exiting makes the parent return every job this child held, with this cause
                # as their error, instead of leaving them `running` for as long as we live.
                logging.getLogger("civic.child").exception("outcomes not delivered; exiting")
                time.sleep(0.2)  # let the log record reach the parent
                self.abort(os.EX_SOFTWARE)
                return
            ex.acknowledged(len(completed) + len(others))

    def _fetch_loop(self, primary: bool) -> None:
        """Claim for free slots. The primary fetcher always long-polls; the second one runs
        only while jobs flow, and then each claims for at most half of the slots: one claim is
        in flight while the last batch runs, so the parent's round trip is no pause in the
        child's work, and an idle queue still sees one long-poll per child, not two."""
        ex = self.executor
        share = max(1, math.ceil(ex.max_workers / FETCHERS))
        while not self.stopping.is_set():
            if not primary:
                self.flowing.wait()
            cap = share if self.flowing.is_set() else None
            n = ex.reserve(1, None, self.stopping, cap)
            if 0 < n < share and ex.running:
                # Let more slots free up (at most BATCH_WAIT) so that claims stay batches
                # instead of degrading to one job per round trip.
                n += ex.reserve(share - n, BATCH_WAIT, self.stopping, share - n)
            if self.stopping.is_set() or n == 0:
                ex.unreserve(n)
                continue
            try:
                jobs = self.rpc.fetch(n, FETCH_WAIT, FETCH_REPLY_TIMEOUT)
            except RpcError as exc:
                ex.unreserve(n)
                logging.getLogger("civic.child").warning("fetch failed: %s", exc)
                time.sleep(1.0)
                continue
            except ParentGoneError:
                ex.unreserve(n)
                return
            except Exception:  # e.g. no reply in time: never leave a dead fetcher
                ex.unreserve(n)
                logging.getLogger("civic.child").exception("fetch failed; stopping this child")
                self.stop()
                return
            if jobs:
                self.flowing.set()
            else:
                self.flowing.clear()
            ex.submit_all(jobs, n)

    def run(self, handlers_ref: str, kinds: list[str]) -> int:
        self.rpc.start()
        self.executor.handlers = load_handlers(handlers_ref, self.executor.settings, kinds)
        for target in (self._heartbeat_loop, self._report_loop):
            threading.Thread(target=target, name=target.__name__, daemon=True).start()
        self.rpc.ready()
        fetchers = [
            threading.Thread(target=self._fetch_loop, args=(i == 0,), name=f"fetch-{i}",
                             daemon=True)
            for i in range(FETCHERS)
        ]  # fmt: skip
        for t in fetchers:
            t.start()
        for t in fetchers:  # they return once `stopping` is set and their fetch came back
            t.join()
        self.executor.wait_idle()
        self.executor.wait_reported()
        return 0


def main(argv: list[str]) -> int:
    fd, parent_pid = int(argv[1]), int(argv[2])
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which decides
    sock = socket.socket(fileno=fd)
    init = parse_init(read_frame(sock))
    setproctitle(f"civic-supervisor: {init['name']} [starting]")
    child = Child(sock, init)
    signal.signal(signal.SIGTERM, child.stop)
    root = logging.getLogger()
    root.handlers[:] = [RpcLogHandler(child.rpc)]
    root.setLevel(init["log_level"])
    try:
        return child.run(init["handlers"], init["kinds"])
    except ParentGoneError:
        return 0
    except Exception:
        logging.getLogger("civic.child").exception("child %s failed to start", child.name)
        time.sleep(0.2)  # let the log record reach the parent
        return os.EX_CONFIG


if __name__ == "__main__":
    sys.exit(main(sys.argv))
