"""As PID 1 in a container (no tini), reap orphans that the kernel reparents to us.

asyncio waits for our own children by pid, so `waitpid(-1)` would steal their exit status;
instead we reap only zombies that are ours but not one of the children we started.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def zombie_children(parent: int, proc: Path = Path("/proc")) -> list[int]:
    out = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields[0] == "Z" and int(fields[1]) == parent:
            out.append(int(entry.name))
    return out


def reap_orphans(ours: Iterable[int]) -> int:
    """Reap zombie children not in `ours`; returns how many. A no-op unless we are PID 1."""
    me = os.getpid()
    if me != 1:
        return 0
    keep, reaped = set(ours), 0
    for pid in zombie_children(me):
        if pid not in keep:
            try:
                os.waitpid(pid, os.WNOHANG)
                reaped += 1
            except ChildProcessError:
                pass
    return reaped
