"""Stopping: graceful (SIGTERM/SIGINT) or at once (a second signal), as DESIGN §4 says.

Stop claiming; let in-flight jobs finish within shutdown_timeout while still watching for a
second signal; return what is left as interrupted (attempt restored, no error); write every
outcome; resign leadership; close every session. Exit code 0 only if all outcomes were written.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from typing import TYPE_CHECKING

from supervisor.database import RETRYABLE

if TYPE_CHECKING:
    from supervisor.supervisor import Supervisor

log = logging.getLogger("civic.supervisor")


async def stop(sup: Supervisor, *, graceful: bool) -> int:
    sup.stopping = True
    sup.observer.stop()
    sup.maintenance.stop()
    timeout = sup.cfg["shutdown_timeout"] if graceful else 0.0
    # Further signals during the wait mean "now": watch the queue while children drain.
    drain = asyncio.get_running_loop().create_task(sup.children.stop_all(timeout))
    while not drain.done():
        getter = asyncio.get_running_loop().create_task(sup.events.get())
        done, _ = await asyncio.wait({drain, getter}, return_when=asyncio.FIRST_COMPLETED)
        if getter in done:
            event = getter.result()
            if event[0] == "signal" and event[1] != signal.SIGHUP:
                log.warning("second signal: stopping at once")
                sup.children.kill_all_interrupted()
            elif event[0] == "exit":
                sup.children.exited(event[1], event[2], restart=False)
        else:
            getter.cancel()
    await drain
    await asyncio.sleep(0.05)  # let exit watchers post what they saw
    while not sup.events.empty():
        event = sup.events.get_nowait()
        if event[0] == "exit":
            sup.children.exited(event[1], event[2], restart=False)
    await sup.tasks.cancel_all()
    clean = await _flush(sup)
    await sup.elector.resign()
    sup.maintenance.stop()
    if sup.listener is not None and sup.listener.conn is not None:
        await sup.listener.conn.close()
    await sup.db.close()
    log.info("stopped%s", "" if clean else " (some outcomes could not be written)")
    return 0 if clean else 1


async def _flush(sup: Supervisor) -> bool:
    deadline = time.monotonic() + max(5.0, sup.cfg["shutdown_timeout"])
    while sup.completer.waiting and time.monotonic() < deadline:
        try:
            await sup.completer.flush()
        except RETRYABLE as exc:
            log.warning("flushing outcomes: %s", exc)
            await asyncio.sleep(0.5)
    return not sup.completer.waiting
