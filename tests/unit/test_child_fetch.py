"""The child's fetchers and reporter against a real socket whose other end (the parent)
stops answering or refuses what the child sends."""

from __future__ import annotations

import os
import socket
import threading

from proxy.framing import encode, read_frame
from proxy.protocol import Init
from workers import runtime
from workers.bench.spec import SPEC as BENCH

INIT: Init = {
    "event": "init",
    "name": "bench",
    "queue": "civic_bench",
    "max_workers": 4,
    "handlers": "workers.bench.handlers:HANDLERS",
    "kinds": list(BENCH.kinds),
    "settings": {},
    "job_timeout": 10,
    "job_timeout_grace": 5,
    "log_level": "INFO",
}


def test_a_fetch_without_reply_stops_the_child_instead_of_idling_forever(monkeypatch):
    """Before: a fetch that timed out killed its thread and left a child that heartbeats
    but never claims again. Now the child stops, and its parent restarts it."""
    monkeypatch.setattr(runtime, "FETCH_REPLY_TIMEOUT", 0.5)
    parent, child_end = socket.socketpair()
    child = runtime.Child(child_end, INIT)
    child.rpc._on_eof = lambda: None  # a real child exits on EOF; this one is pytest itself
    child.rpc.start()
    fetcher = threading.Thread(target=child._fetch_loop, args=(True,), daemon=True)
    fetcher.start()
    try:
        request = read_frame(parent)  # the fetch arrives; the parent never answers it
        assert request["op"] == "fetch" and request["max"] == 4
        fetcher.join(timeout=5)
        assert not fetcher.is_alive() and child.stopping.is_set()
        assert child.executor.reserved == 0  # its slots were given back
    finally:
        child.stop()
        parent.close()
        child_end.close()


def test_outcomes_the_parent_refuses_make_the_child_exit_so_its_jobs_are_returned():
    """Before: the reporter logged the refusal and went on, and the parent kept holding the
    jobs, `running`, for as long as the child lived."""
    parent, child_end = socket.socketpair()
    child = runtime.Child(child_end, INIT)
    child.rpc._on_eof = lambda: None
    exited = threading.Event()
    child.abort = lambda code: exited.set() if code == os.EX_SOFTWARE else None
    child.rpc.start()
    threading.Thread(target=child._report_loop, daemon=True).start()
    try:
        with child.executor.cond:
            child.executor.completed.append((5, 1))
            child.executor._has_outcomes.set()
        request = read_frame(parent)
        assert request["op"] == "finish" and request["completed"] == [[5, 1]]
        error = {"type": "bad_request", "message": "refused"}
        parent.sendall(encode({"id": request["id"], "ok": False, "error": error}))
        assert exited.wait(5)
    finally:
        child.stop()
        parent.close()
        child_end.close()
