"""The parent's background tasks: every one held until it ends, and every failure reported.

The completer, leader elector, queue keeper, ticker, dead-client sweep and listener each
loop forever and handle the errors they expect. One that ends with any other exception is a
bug that would otherwise go unseen (asyncio only logs it when the task is collected) while
jobs pile up `running`: `on_crash` posts it to the parent's loop, which stops with
EX_SOFTWARE so the service manager restarts the supervisor. A non-essential task (a child's
exit watcher, an orphan sweep, a resign, the queue-depth read) that fails is logged with its
traceback when it ends, not when it is collected.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger("civic.tasks")


class Tasks:
    def __init__(self, on_crash: Callable[[str, BaseException], None]) -> None:
        self._on_crash = on_crash
        self._tasks: dict[asyncio.Task[Any], bool] = {}
        """Running tasks -> essential; asyncio keeps only weak references to tasks."""

    def spawn(self, coro: Coroutine[Any, Any, Any], *, essential: bool = False) -> None:
        """Run `coro`; if `essential`, its ending with an exception stops the parent."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks[task] = essential
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[Any]) -> None:
        essential = self._tasks.pop(task, False)
        if task.cancelled() or (exc := task.exception()) is None:
            return
        name = getattr(task.get_coro(), "__qualname__", task.get_name())
        if essential:
            self._on_crash(name, exc)
        else:
            log.error("background task %s failed", name, exc_info=exc)

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
