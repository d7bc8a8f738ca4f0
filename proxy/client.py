"""The child's end of the socket: thread-safe calls from many worker threads.

One reader thread routes replies to the waiting caller by id and hands parent events (cancel,
stop) to a callback. EOF means the parent is gone: the callback decides (the runtime exits).
Each op is a method, so the child's side of every message is typed as proxy.protocol has it.
"""

from __future__ import annotations

import itertools
import socket
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

from proxy.framing import encode, read_frame
from proxy.jobrow import Row
from proxy.protocol import Event, LogNotice, OutcomeMessage, parse_event


class RpcError(Exception):
    def __init__(self, type_: str, message: str) -> None:
        super().__init__(f"{type_}: {message}")
        self.type = type_


class ParentGoneError(Exception):
    """The socket closed: the parent exited or closed this child."""


class RpcClient:
    def __init__(
        self,
        sock: socket.socket,
        on_event: Callable[[Event], None],
        on_eof: Callable[[], None],
    ) -> None:
        self.sock = sock
        self._on_event = on_event
        self._on_eof = on_eof
        self._ids = itertools.count(1)
        self._pending: dict[int, Future[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        threading.Thread(target=self._read_loop, name="rpc-reader", daemon=True).start()

    def _read_loop(self) -> None:
        try:
            while True:
                message = read_frame(self.sock)
                if "event" in message:
                    if (event := parse_event(message)) is not None:
                        self._on_event(event)
                    continue
                future = self._pending.pop(message.get("id", -1), None)
                if future is not None:
                    future.set_result(message)
        except Exception:  # noqa: BLE001 - EOF or a broken frame: either way the parent is gone
            pass
        self._closed = True
        for future in list(self._pending.values()):
            future.set_exception(ParentGoneError("parent closed the connection"))
        self._pending.clear()
        self._on_eof()

    def _send(self, message: Mapping[str, Any]) -> None:
        data = encode(message, strict=True)  # a value the parent would decode wrongly: raise
        with self._lock:
            if self._closed:
                raise ParentGoneError("parent closed the connection")
            self.sock.sendall(data)

    def _call(self, message: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        rid = next(self._ids)
        future: Future[dict[str, Any]] = Future()
        self._pending[rid] = future
        try:
            self._send({"id": rid, **message})
            reply = future.result(timeout)
        finally:
            self._pending.pop(rid, None)
        if not reply.get("ok"):
            error = reply.get("error") or {}
            raise RpcError(str(error.get("type", "error")), str(error.get("message", "")))
        return reply

    def ready(self) -> None:
        self._call({"op": "ready"})

    def fetch(self, max_jobs: int, wait: float, timeout: float | None) -> list[Row]:
        """Claim up to `max_jobs`, waiting up to `wait` s for any; the reply within `timeout`."""
        reply = self._call({"op": "fetch", "max": max_jobs, "wait": wait}, timeout)
        jobs: list[Row] = reply["jobs"]
        return jobs

    def finish(self, completed: list[tuple[int, int]], outcomes: list[OutcomeMessage]) -> None:
        """Returns once the parent has written every one of them."""
        self._call({"op": "finish", "completed": completed, "outcomes": outcomes})

    def query(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        reply = self._call({"op": "query", "name": name, "params": params})
        rows: list[dict[str, Any]] = reply["rows"]
        return rows

    def heartbeat(self, busy: int, stuck: int, rss: int) -> None:
        self._call({"op": "heartbeat", "busy": busy, "stuck": stuck, "rss": rss})

    def log(self, record: LogNotice) -> None:
        """A log record for the parent to emit: not answered."""
        self._send(record)
