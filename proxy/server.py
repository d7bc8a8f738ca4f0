"""The parent's end of one child's socket: framing, validation, concurrent requests.

Each request runs as its own task (a long-polling fetch must not hold up a query). A frame
that breaks the protocol, or a flood of concurrent requests, closes the channel: the child is
then recycled by its supervisor, and nothing the child sent can reach the database unchecked.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from proxy.framing import FrameDecoder, ProtocolError, encode
from proxy.protocol import LogNotice, Reply, Request, RequestError, parse_request

log = logging.getLogger("civic.rpc")

MAX_IN_FLIGHT = 256
Handler = Callable[[Request], Awaitable[Reply]]
Notify = Callable[[LogNotice], None]


class Channel:
    def __init__(self, sock: socket.socket, name: str, handle: Handler, notify: Notify) -> None:
        self.sock = sock
        self.name = name
        self._handle = handle
        self._notify = notify
        self._writer: asyncio.StreamWriter | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.violation: str | None = None
        """Why the channel was closed on the child, if it was the child's fault."""

    async def serve(self) -> None:
        """Read until EOF or a protocol violation; returns when the channel is done."""
        reader, self._writer = await asyncio.open_unix_connection(sock=self.sock)
        decoder = FrameDecoder()
        try:
            while data := await reader.read(65536):
                for message in decoder.feed(data):
                    self._dispatch(message)
        except ProtocolError as exc:
            self.violation = str(exc)
            log.warning("child %s broke the protocol: %s", self.name, exc)
        except (ConnectionError, OSError):
            pass
        except Exception as exc:  # a bug in validation must still end this child, not the parent
            self.violation = f"unhandled {type(exc).__name__}: {exc}"
            log.exception("child %s: request handling failed", self.name)
        finally:
            self.close()

    def _dispatch(self, message: dict[str, Any]) -> None:
        try:
            request = parse_request(message)
        except RequestError as exc:
            self._reply({"id": message.get("id"), "ok": False, "error": _err(exc)})
            return
        if request["op"] == "log":
            self._notify(request)
            return
        if len(self._tasks) >= MAX_IN_FLIGHT:
            raise ProtocolError(f"more than {MAX_IN_FLIGHT} requests in flight")
        task = asyncio.get_running_loop().create_task(self._run(request))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, request: Request) -> None:
        rid = request["id"]
        try:
            result = await self._handle(request)
            self._reply({"id": rid, "ok": True, **result})
        except RequestError as exc:
            self._reply({"id": rid, "ok": False, "error": _err(exc)})
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # reported to the child (and logged): the child lives on
            log.exception("child %s: %s failed", self.name, request["op"])
            self._reply(
                {"id": rid, "ok": False, "error": {"type": "internal", "message": str(exc)}}
            )

    def _reply(self, message: dict[str, Any]) -> None:
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(encode(message))

    def send_event(self, event: str, **fields: Any) -> None:
        self._reply({"event": event, **fields})

    def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._writer is not None:
            self._writer.close()
        else:
            self.sock.close()


def _err(exc: RequestError) -> dict[str, str]:
    return {"type": exc.type, "message": str(exc)}
