"""The parent's own background tasks, and what happens when one of them dies.

The completer, leader elector, queue keeper, ticker, dead-client sweep and listener each
loop forever and handle the errors they expect. One that ends with any other exception is a
bug that would otherwise go unseen (asyncio only logs it when the task is collected) while
jobs pile up `running`: it is posted to the parent's loop as a `crashed` event, and the
parent stops with EX_SOFTWARE so the service manager restarts it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any


class Tasks:
    def __init__(self, post: Callable[[tuple[Any, ...]], None]) -> None:
        self._post = post
        self._tasks: list[asyncio.Task[Any]] = []

    def spawn(self, coro: Coroutine[Any, Any, Any], *, essential: bool = False) -> None:
        """Run `coro`; if `essential`, its ending with an exception stops the parent."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.append(task)
        if essential:
            task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self._post(("crashed", task.get_coro().__qualname__, task.exception()))

    async def cancel_all(self) -> None:
        for task in self._tasks:
            task.remove_done_callback(self._ended)
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
