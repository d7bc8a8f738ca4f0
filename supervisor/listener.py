"""The dedicated LISTEN session: River's three channels, reconnecting with backoff.

Channel names contain a dot (`metadata.river_insert`) so they are always double-quoted. After
a reconnect every queue is woken, since notifications sent while we were away are lost.

The session also holds this supervisor's liveness lock (deadclients.py). Peers take a lock
gone for `dead_client_after` as death, so everything here that decides how long the lock can
be away is kept well below it: a lost session is noticed within `ping` (a silent session is
pinged, the ping itself bounded), and reconnects back off to at most `ping`, never to the
30 s that would let a live supervisor coming back from an outage look dead. While the lock
is not held, `on_lock(False)` stops our claims.

Each payload is checked into the TypedDict of its topic and action here; one that is not
River's (malformed, or missing a field the action needs) is logged and dropped, and one that
asks for nothing we do (`metadata_changed`) is dropped quietly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any, Literal, TypedDict

import psycopg
from psycopg import sql

from supervisor.river.sql import LOCK_CLASS, TRY_LOCK

log = logging.getLogger("civic.listener")
TOPICS = ("river_insert", "river_control", "river_leadership")
PING_AFTER = 5.0
"""The longest silence before a ping, and the longest reconnect backoff (see `ping`)."""


class Insert(TypedDict):
    """river_insert: jobs are available in `queue`."""

    topic: Literal["river_insert"]
    queue: str


class Cancel(TypedDict):
    """river_control: stop running job `job_id` (River's JobCancel)."""

    topic: Literal["river_control"]
    action: Literal["cancel"]
    job_id: int
    queue: str


class QueueControl(TypedDict):
    """river_control: pause or resume `queue` ("*": every queue)."""

    topic: Literal["river_control"]
    action: Literal["pause", "resume"]
    queue: str


class Leadership(TypedDict):
    """river_leadership: `leader_id` resigned, or the leader is asked to (its id may be "")."""

    topic: Literal["river_leadership"]
    action: Literal["resigned", "request_resign"]
    leader_id: str


Notification = Insert | Cancel | QueueControl | Leadership


def _text(data: dict[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return value


def parse(topic: str, payload: str) -> Notification | None:
    """The notification of `topic` in `payload`; None when it asks for nothing we do.
    Raises ValueError when the payload is not River's."""
    data = json.loads(payload)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    action = data.get("action")
    if topic == "river_insert":
        return {"topic": "river_insert", "queue": _text(data, "queue")}
    if topic == "river_control":
        if action == "cancel":
            job_id = data.get("job_id")
            if type(job_id) is not int:
                raise ValueError("cancel without an integer job_id")
            queue = _text(data, "queue", "")
            return {"topic": "river_control", "action": "cancel", "job_id": job_id, "queue": queue}
        if action in ("pause", "resume"):
            act: Literal["pause", "resume"] = "pause" if action == "pause" else "resume"
            return {"topic": "river_control", "action": act, "queue": _text(data, "queue")}
        if action == "metadata_changed":
            return None
    if topic == "river_leadership":
        leader_id = _text(data, "leader_id", "")
        if action == "resigned":
            return {"topic": "river_leadership", "action": "resigned", "leader_id": leader_id}
        if action == "request_resign":
            return {"topic": "river_leadership", "action": "request_resign", "leader_id": leader_id}
    raise ValueError(f"unknown action {str(action)[:50]!r}")


class Listener:
    def __init__(
        self,
        url: str,
        application_name: str,
        schema: str,
        on_notify: Callable[[Notification], None],
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
            note = parse(topic, payload)
        except ValueError as exc:
            log.warning("ignoring malformed %s payload %r (%s)", channel, payload[:200], exc)
            return
        if note is not None:
            self.on_notify(note)
