"""What the running supervisor says over NOTIFY_SOCKET: ready, status, watchdog, reload, stop."""

from __future__ import annotations

import signal

from tests.support.supervisor_harness import start


def test_supervisor_notifies_ready_status_watchdog_reload_and_stop(db_url):
    sup = start(db_url, env={"WATCHDOG_USEC": "1000000"})  # ready: READY=1 was received
    notices = sup.process
    try:
        assert "bench running" in notices.wait_notice("READY=1")
        notices.wait_notice("WATCHDOG=1", timeout=5)
        sup.send(signal.SIGHUP)
        notices.wait_notice("RELOADING=1", timeout=5)
        notices.wait_notice("READY=1", timeout=20, since=len(notices.notices))  # reloaded
        sup.send(signal.SIGTERM)
        notices.wait_notice("STOPPING=1", timeout=10)
    finally:
        assert sup.stop() == 0
