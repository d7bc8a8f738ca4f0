"""A local HTTP server standing in for Telnyx's `POST /v2/messages`.

Answers are taken from `responses` in order (the last one repeats); every request is
recorded with its headers and JSON body so tests can check what would have been sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OK = (200, {"data": {"id": "msg-1", "type": "message"}})
OPTED_OUT = (400, {"errors": [{"code": "opted_out", "title": "Opted out", "detail": "STOP"}]})
STOP_BLOCKED = (400, {"errors": [{"code": "40300", "title": "Blocked due to STOP message"}]})
OPT_OUT_CODE = (422, {"errors": [{"code": "90126", "title": "Recipient opted out"}]})
THROTTLED = (429, {"errors": [{"code": "10011", "title": "Too many requests"}]})
INVALID_NUMBER = (400, {"errors": [{"code": "40002", "title": "Invalid phone number"}]})
SERVER_ERROR = (503, {"errors": [{"code": "10007", "title": "Unexpected error"}]})


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Telnyx:
    url: str
    responses: list[tuple[int, Any]]
    requests: list[Request] = field(default_factory=list)


@contextmanager
def telnyx_stub(*responses: tuple[int, Any]) -> Iterator[Telnyx]:
    state = Telnyx("", list(responses) or [OK])
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
            with lock:
                state.requests.append(Request(self.path, dict(self.headers.items()), body))
                status, payload = (
                    state.responses.pop(0) if len(state.responses) > 1 else state.responses[0]
                )
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
