"""systemd's notify protocol, spoken directly on $NOTIFY_SOCKET (no libsystemd needed).

READY=1 once the children are up, STATUS= one-line summaries, WATCHDOG=1 at half of
WatchdogSec, RELOADING=1 on SIGHUP, STOPPING=1 on shutdown. Without NOTIFY_SOCKET (not
under systemd) every call is a no-op; a send error is ignored, never fatal. Sends never
block: a listener that stops reading (a full socket buffer) must not freeze the event loop,
so such a message is dropped instead.
"""

from __future__ import annotations

import os
import socket
import time


class Notifier:
    def __init__(self, address: str | None, watchdog_usec: int | None = None) -> None:
        self.address = address
        self.watchdog_interval = watchdog_usec / 2e6 if watchdog_usec else None
        """Seconds between WATCHDOG=1 pings (half of WatchdogSec), None when not asked for."""

    @classmethod
    def from_env(cls) -> Notifier:
        address = os.environ.get("NOTIFY_SOCKET") or None
        usec = os.environ.get("WATCHDOG_USEC")
        pid = os.environ.get("WATCHDOG_PID")
        watchdog = (
            int(usec) if usec and usec.isdigit() and (not pid or pid == str(os.getpid())) else None
        )
        return cls(address, watchdog)

    def send(self, *fields: str) -> bool:
        if not self.address:
            return False
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto("\n".join(fields).encode(), socket.MSG_DONTWAIT, target)
            return True
        except OSError:
            return False

    def ready(self, status: str = "") -> bool:
        return self.send("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, text: str) -> bool:
        return self.send(f"STATUS={text}")

    def watchdog(self) -> bool:
        return self.send("WATCHDOG=1")

    def reloading(self) -> bool:
        return self.send(
            "RELOADING=1", f"MONOTONIC_USEC={time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000}"
        )

    def stopping(self) -> bool:
        return self.send("STOPPING=1")
