"""The parent's background tasks: held until they end, and a failure never silently gone."""

from __future__ import annotations

import asyncio
import logging

import pytest

from supervisor.tasks import Tasks


def test_an_essential_failure_is_posted_a_one_off_is_logged_and_cancelled_ones_neither(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken() -> None:
        await asyncio.sleep(0)
        raise KeyError("a bug")

    async def forever() -> None:
        await asyncio.Event().wait()

    async def main() -> None:
        crashes: asyncio.Queue[tuple[str, BaseException]] = asyncio.Queue()
        tasks = Tasks(lambda name, exc: crashes.put_nowait((name, exc)))
        tasks.spawn(broken(), essential=True)
        tasks.spawn(forever(), essential=True)
        tasks.spawn(broken())  # not essential: logged with its traceback when it ends
        name, exc = await asyncio.wait_for(crashes.get(), 5)
        assert name.endswith(".broken") and isinstance(exc, KeyError)
        await asyncio.sleep(0.01)
        assert len(tasks._tasks) == 1  # the ended ones are no longer held
        await tasks.cancel_all()
        await asyncio.sleep(0.01)
        assert crashes.empty() and not tasks._tasks

    with caplog.at_level(logging.ERROR, logger="civic.tasks"):
        asyncio.run(main())
    failed = [r for r in caplog.records if "background task" in r.getMessage()]
    assert len(failed) == 1 and failed[0].exc_info is not None
