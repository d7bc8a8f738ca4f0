"""The dedicated LISTEN session: River's three channels, reconnecting with backoff.

Channel names contain a dot (`metadata.river_insert`) so they are always double-quoted. After
a reconnect every queue is woken, since notifications sent while we were away are lost.

The session also holds this supervisor's liveness lock (deadclients.py). Peers take a lock
gone for `dead_client_after` as death, so everything here that decides how long the lock can
be away is kept well below it: a lost session is noticed within `ping` (a silent session is
pinged, the ping itself bounded), and reconnects back off to at most `ping`, never to the
30 s that would let a live supervisor coming back from an outage look dead
(spec/RIVER_REVIEW.md §2.4). While the lock is not held, `on_lock(False)` stops our claims.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from supervisor.river.sql import LOCK_CLASS, TRY_LOCK

log = logging.getLogger("civic.listener")
TOPICS = ("river_insert", "river_control", "river_leadership")
PING_AFTER = 5.0
"""The longest silence before a ping, and the longest reconnect backoff (see `ping`)."""


class Listener:
    def __init__(
        self,
        url: str,
        application_name: str,
        schema: str,
        on_notify: Callable[[str, dict[str, Any]], None],
        on_connect: Callable[[], None],
        client_id: str = "",
        on_lock: Callable[[bool], None] = lambda held: None,
        dead_after: float = 10.0,
    ) -> None:
        self.client_id = client_id
        self.locked = False
        self.lost_at: float | None = None
        """time.monotonic() when the lock was lost (None: held, or never held yet)."""
        self.on_lock = on_lock
        self.ping = min(PING_AFTER, dead_after / 5)
        self.url = url
        self.application_name = application_name
        self.channels = {f"{schema}.{t}": t for t in TOPICS}
        self.on_notify = on_notify
        self.on_connect = on_connect
        self.connected = False
        self.conn: psycopg.AsyncConnection | None = None

    async def run(self) -> None:
        delay = 0.1
        while True:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except (psycopg.Error, TimeoutError) as exc:
                log.warning("listener lost its session (%s); reconnecting in %.1fs", exc, delay)
            finally:
                if self.locked:
                    self.locked, self.lost_at = False, time.monotonic()
                    self.on_lock(False)
                if self.connected:
                    delay = 0.1  # the session had worked: start the backoff over
                self.connected = False
                if self.conn is not None:
                    await self.conn.close()
                    self.conn = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.ping)

    async def _session(self) -> None:
        self.conn = await psycopg.AsyncConnection.connect(
            self.url, autocommit=True, application_name=self.application_name,
            connect_timeout=max(2, round(self.ping * 2)),
        )  # fmt: skip
        for channel in self.channels:
            await self.conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        self.connected = True
        log.info("listening on %s", ", ".join(self.channels))
        if self.client_id:
            await self._lock()
        self.on_connect()
        while True:
            async for note in self.conn.notifies(timeout=self.ping):
                self._dispatch(note.channel, note.payload)
            # silent for a while: is the session alive? (bounded: a cut link may never answer)
            await asyncio.wait_for(self.conn.execute("SELECT 1"), self.ping)
            if self.client_id and not self.locked:
                await self._lock(quiet=True)

    async def _lock(self, *, quiet: bool = False) -> None:
        """Our liveness lock: held by this session for as long as we live (deadclients.py)."""
        assert self.conn is not None
        params = {"cls": LOCK_CLASS, "client_id": self.client_id}
        row = await (await self.conn.execute(TRY_LOCK, params)).fetchone()
        if row is not None and row[0]:
            self.locked, self.lost_at = True, None
            self.on_lock(True)
        elif not quiet:
            log.error("client id %s is held by another live session (another supervisor, or our "
                      "previous one not reaped yet); claiming nothing until it is ours",
                      self.client_id)  # fmt: skip

    def _dispatch(self, channel: str, payload: str) -> None:
        topic = self.channels.get(channel)
        if topic is None:
            return
        try:
            data = json.loads(payload)
        except ValueError:
            log.warning("ignoring malformed %s payload %r", channel, payload[:200])
            return
        if isinstance(data, dict):
            self.on_notify(topic, data)
