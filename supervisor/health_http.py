"""/metrics, /healthz and /readyz on `metrics.listen`, served from a thread of their own.

The checks are callables that only read state the parent's loop keeps up to date, so a
probe never waits on the database or the loop: a stuck loop shows as a stale tick in /healthz.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from supervisor.metrics import Metrics

Check = Callable[[], tuple[bool, str]]
Children = Callable[[], list[dict[str, Any]]]


class HealthServer:
    def __init__(
        self, listen: str, metrics: Metrics, healthy: Check, ready: Check, children: Children
    ) -> None:
        host, _, port = listen.rpartition(":")
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/metrics":
                    self._send(200, outer.metrics.render(), "text/plain; version=0.0.4")
                elif self.path in ("/healthz", "/readyz"):
                    ok, why = (outer.healthy if self.path == "/healthz" else outer.ready)()
                    body: dict[str, Any] = {"ok": ok, "detail": why}
                    if self.path == "/readyz":  # which child is down and why, for `status`
                        body["children"] = outer.children()
                    self._send(200 if ok else 503, json.dumps(body).encode(), "application/json")
                else:
                    self._send(404, b"not found\n", "text/plain")

            def _send(self, code: int, body: bytes, kind: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:  # probes every few seconds: no log
                pass

        self.metrics, self.healthy, self.ready, self.children = metrics, healthy, ready, children
        self.server = ThreadingHTTPServer((host.strip("[]") or "0.0.0.0", int(port)), Handler)
        self.server.daemon_threads = True

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def start(self) -> None:
        threading.Thread(target=self.server.serve_forever, name="health-http", daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def ask(listen: str, path: str, timeout: float = 5.0) -> tuple[int, dict[str, Any]]:
    """GET `path` of the instance serving on `listen` (a wildcard host means this machine)."""
    host, _, port = listen.rpartition(":")
    host = "127.0.0.1" if host in ("", "0.0.0.0", "[::]", "::") else host.strip("[]")
    try:
        with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
