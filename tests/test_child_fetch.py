"""The child's fetchers against a real socket whose other end (the parent) stops answering."""

from __future__ import annotations

import socket
import threading

from proxy.framing import read_frame
from workers import runtime


def test_a_fetch_without_reply_stops_the_child_instead_of_idling_forever(monkeypatch):
    """Before: a fetch that timed out killed its thread and left a child that heartbeats
    but never claims again. Now the child stops, and its parent restarts it."""
    monkeypatch.setattr(runtime, "FETCH_REPLY_TIMEOUT", 0.5)
    parent, child_end = socket.socketpair()
    init = {"name": "bench", "settings": {}, "max_workers": 4, "job_timeout": 10,
            "job_timeout_grace": 5}  # fmt: skip
    child = runtime.Child(child_end, init)
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
