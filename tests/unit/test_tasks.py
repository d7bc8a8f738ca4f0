"""The parent's background tasks: one that dies of a bug is reported, never silently gone."""

from __future__ import annotations

import asyncio

from supervisor.tasks import Tasks


def test_an_essential_task_that_fails_is_posted_and_cancelled_ones_are_not():
    async def broken() -> None:
        await asyncio.sleep(0)
        raise KeyError("a bug")

    async def forever() -> None:
        await asyncio.Event().wait()

    async def main() -> None:
        events: asyncio.Queue = asyncio.Queue()
        tasks = Tasks(events.put_nowait)
        tasks.spawn(broken(), essential=True)
        tasks.spawn(forever(), essential=True)
        tasks.spawn(broken())  # not essential: a one-off whose failure is its own business
        kind, name, exc = await asyncio.wait_for(events.get(), 5)
        assert kind == "crashed" and name.endswith(".broken") and isinstance(exc, KeyError)
        await tasks.cancel_all()
        await asyncio.sleep(0.01)
        assert events.empty()

    asyncio.run(main())
