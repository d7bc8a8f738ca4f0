"""SIGHUP: reload config.yaml and restart the children one by one with the new settings.

Each child is recycled gracefully (it stops fetching, finishes its jobs, exits) and the next
one only goes once the previous is back and ready, so no job is dropped and at most one
queue pauses at a time. Settings that belong to the parent's sessions or identity (database,
client id, metrics, child user) need a full restart; they are kept and a warning says so.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from supervisor.child import State
from supervisor.config import Config, ConfigError, load

if TYPE_CHECKING:
    from supervisor.children import ChildSet

log = logging.getLogger("civic.reload")
NEEDS_RESTART = ("database.", "client_id", "metrics.", "child_user")


def apply(cfg: Config, children: ChildSet) -> bool:
    """Read cfg.source again and update `cfg` in place (everyone shares it); False on error."""
    if cfg.source == "<defaults>":
        fresh = load(None)
    else:
        try:
            fresh = load(cfg.source)
        except ConfigError as exc:
            log.error("reload refused, keeping the running configuration: %s", exc)
            return False
    kept = [
        k for k, v in fresh.values.items() if v != cfg.values[k] and k.startswith(NEEDS_RESTART)
    ]
    for key in kept:
        fresh.values[key] = cfg.values[key]
    if kept:
        log.warning("changed %s: takes effect only after a full restart", ", ".join(kept))
    cfg.values.update(fresh.values)
    cfg.queues.update(fresh.queues)
    for child in children:
        queue = cfg.queues[child.name]
        child.broker.queue = queue
        child.broker.fetcher.queue = queue.queue
        child.broker.fetcher.poll_interval = cfg["fetch_poll_interval"]
        child.init = children.init_message(queue)
    logging.getLogger().setLevel(cfg["log.level"].upper())
    return True


async def rolling_restart(children: ChildSet, timeout: float = 60.0) -> None:
    for child in list(children):
        deadline = time.monotonic() + timeout
        while child.state != State.RUNNING and time.monotonic() < deadline:
            await asyncio.sleep(0.1)  # starting or in backoff: let it come up first
        pid = child.proc.pid if child.proc else None
        children.recycle(child)
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            if child.proc and child.proc.pid != pid and child.broker.ready:
                break
        log.info("child %s restarted with the new settings", child.name)
