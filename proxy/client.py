"""The child's end of the socket: thread-safe calls from many worker threads.

One reader thread routes replies to the waiting caller by id and hands parent events (cancel,
stop) to a callback. EOF means the parent is gone: the callback decides (the runtime exits).
"""

from __future__ import annotations

import itertools
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from proxy.framing import encode, read_frame


class RpcError(Exception):
    def __init__(self, type_: str, message: str) -> None:
        super().__init__(f"{type_}: {message}")
        self.type = type_


class ParentGone(Exception):
    """The socket closed: the parent exited or closed this child."""


class RpcClient:
    def __init__(
        self,
        sock: socket.socket,
        on_event: Callable[[dict[str, Any]], None],
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
                    self._on_event(message)
                    continue
                future = self._pending.pop(message.get("id"), None)
                if future is not None:
                    future.set_result(message)
        except Exception:  # noqa: BLE001 - EOF or a broken frame: either way the parent is gone
            pass
        self._closed = True
        for future in list(self._pending.values()):
            future.set_exception(ParentGone("parent closed the connection"))
        self._pending.clear()
        self._on_eof()

    def _send(self, message: dict[str, Any]) -> None:
        data = encode(message, strict=True)  # a value the parent would decode wrongly: raise
        with self._lock:
            if self._closed:
                raise ParentGone("parent closed the connection")
            self.sock.sendall(data)

    def call(self, op: str, timeout: float | None = None, **params: Any) -> dict[str, Any]:
        rid = next(self._ids)
        future: Future[dict[str, Any]] = Future()
        self._pending[rid] = future
        try:
            self._send({"id": rid, "op": op, **params})
            reply = future.result(timeout)
        finally:
            self._pending.pop(rid, None)
        if not reply.get("ok"):
            error = reply.get("error") or {}
            raise RpcError(str(error.get("type", "error")), str(error.get("message", "")))
        return reply

    def notify(self, op: str, **params: Any) -> None:
        self._send({"op": op, **params})
