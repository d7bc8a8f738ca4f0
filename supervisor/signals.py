"""Signal handlers only enqueue; the supervisor's one loop decides (gunicorn's arbiter).

SIGTERM / SIGINT: graceful stop (a second one: stop at once). SIGHUP: reload.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Any

HANDLED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def install(loop: asyncio.AbstractEventLoop, post: Callable[[Any], None]) -> None:
    for sig in HANDLED:
        loop.add_signal_handler(sig, post, ("signal", sig))


def uninstall(loop: asyncio.AbstractEventLoop) -> None:
    for sig in HANDLED:
        loop.remove_signal_handler(sig)
