"""sd_notify on a real datagram socket."""

from __future__ import annotations

import socket

from supervisor.sdnotify import Notifier


def test_messages_reach_a_datagram_socket(tmp_path):
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        n = Notifier(path, watchdog_usec=4_000_000)
        assert n.watchdog_interval == 2.0
        assert n.ready("up") and n.watchdog() and n.reloading() and n.stopping()
        got = [server.recv(4096).decode() for _ in range(4)]
    assert got[0] == "READY=1\nSTATUS=up" and got[1] == "WATCHDOG=1"
    assert got[2].startswith("RELOADING=1\nMONOTONIC_USEC=") and got[3] == "STOPPING=1"


def test_a_listener_that_stops_reading_never_blocks_the_sender(tmp_path):
    """Found by a 300,000-job bench: its notify socket was read only until READY=1, the
    buffer filled with STATUS= lines and the parent's event loop froze in sendto."""
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        n = Notifier(path)
        results = [n.status(f"busy {i}") for i in range(5000)]  # never read
    assert results[0] is True and results[-1] is False  # the overflow is dropped, not waited on


def test_no_socket_is_a_no_op(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    n = Notifier.from_env()
    assert not n.ready() and n.watchdog_interval is None
