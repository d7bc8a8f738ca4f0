"""The dedicated LISTEN session: River's three channels, reconnecting with backoff.

Channel names contain a dot (`metadata.river_insert`) so they are always double-quoted. After
a reconnect every queue is woken, since notifications sent while we were away are lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from supervisor.deadclients import LOCK_CLASS, TRY_LOCK

log = logging.getLogger("civic.listener")
TOPICS = ("river_insert", "river_control", "river_leadership")
PING_AFTER = 5.0


class Listener:
    def __init__(
        self,
        url: str,
        application_name: str,
        schema: str,
        on_notify: Callable[[str, dict[str, Any]], None],
        on_connect: Callable[[], None],
        client_id: str = "",
    ) -> None:
        self.client_id = client_id
        self.locked = False
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
            except psycopg.Error as exc:
                log.warning("listener lost its session (%s); reconnecting in %.1fs", exc, delay)
            finally:
                self.locked = False
                if self.connected:
                    delay = 0.1  # the session had worked: start the backoff over
                self.connected = False
                if self.conn is not None:
                    await self.conn.close()
                    self.conn = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    async def _session(self) -> None:
        self.conn = await psycopg.AsyncConnection.connect(
            self.url, autocommit=True, application_name=self.application_name
        )
        for channel in self.channels:
            await self.conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        self.connected = True
        log.info("listening on %s", ", ".join(self.channels))
        if self.client_id:
            await self._lock()
        self.on_connect()
        while True:
            async for note in self.conn.notifies(timeout=PING_AFTER):
                self._dispatch(note.channel, note.payload)
            await self.conn.execute("SELECT 1")  # silent for a while: is the session alive?

    async def _lock(self) -> None:
        """Our liveness lock: held by this session for as long as we live (deadclients.py)."""
        assert self.conn is not None
        params = {"cls": LOCK_CLASS, "client_id": self.client_id}
        self.locked = bool((await (await self.conn.execute(TRY_LOCK, params)).fetchone())[0])
        if not self.locked:
            log.error("client id %s is held by another live supervisor: give each a unique client_id",
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
