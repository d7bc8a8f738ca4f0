"""What the running supervisor says over NOTIFY_SOCKET: ready, status, watchdog, reload, stop."""

from __future__ import annotations

import signal
import socket

from tests.support.supervisor_harness import start, wait_for


def test_supervisor_notifies_ready_status_watchdog_reload_and_stop(db_url, tmp_path):
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        server.settimeout(20)
        sup = start(db_url, env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000"}, ready=False)
        messages: list[str] = []

        def seen(prefix: str) -> bool:
            while not any(m.startswith(prefix) for m in messages):
                messages.append(server.recv(4096).decode())
            return True

        try:
            assert seen("READY=1")
            assert seen("WATCHDOG=1")
            assert any("STATUS=" in m and "bench" in m for m in messages)
            sup.send(signal.SIGHUP)
            assert seen("RELOADING=1")
            wait_for(lambda: "reload done" in sup.log)
            sup.send(signal.SIGTERM)
            assert seen("STOPPING=1")
        finally:
            assert sup.stop() == 0
