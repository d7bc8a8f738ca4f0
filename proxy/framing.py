"""Frames on the child <-> parent socket: 4-byte big-endian length, then a UTF-8 JSON object.

JSON and never pickle: the parent treats every byte from a child as untrusted. The decoder
enforces the size limit before buffering a frame, so a child announcing a 4 GiB frame costs
the parent nothing.
"""

from __future__ import annotations

import json
import socket
import struct
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

import orjson

HEADER = struct.Struct(">I")
MAX_FRAME = 16 * 1024 * 1024
"""Largest frame either side accepts: room for a batch of 5,000 outcomes with errors."""


class ProtocolError(Exception):
    """The peer broke the framing or sent something that is not a JSON object."""


def jsonable(value: Any) -> Any:
    """JSON for database values: timestamps as ISO 8601, numerics as exact strings."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return str(value)  # UUID, Decimal, IP addresses, ...


_FALLBACK = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=jsonable)


def frame_json(value: Any) -> bytes:
    """orjson: frames are a large share of both processes' work per job on a busy queue.
    TypeError for what it refuses (integers beyond 64 bits, which orjson would also decode
    as floats; times with a zone; keys that are not strings)."""
    return orjson.dumps(value, default=jsonable)


def encode(message: Mapping[str, Any], *, strict: bool = False) -> bytes:
    """A frame. `strict` (the child) raises TypeError where orjson does; otherwise (the
    parent, sending database values such as `timetz`) the standard encoder takes over."""
    try:
        data = frame_json(message)
    except TypeError:
        if strict:
            raise
        data = _FALLBACK.encode(message).encode("utf-8")
    if len(data) > MAX_FRAME:
        raise ProtocolError(f"frame of {len(data)} bytes exceeds the {MAX_FRAME} limit")
    return HEADER.pack(len(data)) + data


def decode_body(body: bytes) -> dict[str, Any]:
    try:
        message = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise ProtocolError(f"frame is not valid UTF-8: {bad.reason}") from None
        raise ProtocolError(f"frame is not valid JSON: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"frame must be a JSON object, got {type(message).__name__}")
    return message


class FrameDecoder:
    """Incremental decoder for a non-blocking reader: feed bytes, get whole messages."""

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self._buf = bytearray()
        self._max = max_frame

    def feed(self, data: bytes) -> Iterator[dict[str, Any]]:
        self._buf += data
        while len(self._buf) >= HEADER.size:
            (length,) = HEADER.unpack_from(self._buf)
            if length > self._max:
                raise ProtocolError(f"frame of {length} bytes exceeds the {self._max} limit")
            end = HEADER.size + length
            if len(self._buf) < end:
                return
            body = bytes(self._buf[HEADER.size : end])
            del self._buf[:end]
            yield decode_body(body)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < n:
        chunk = sock.recv(n - len(chunks))
        if not chunk:
            raise EOFError("peer closed the connection")
        chunks += chunk
    return bytes(chunks)


def read_frame(sock: socket.socket, max_frame: int = MAX_FRAME) -> dict[str, Any]:
    """Blocking read of one message (child side)."""
    (length,) = HEADER.unpack(_recv_exact(sock, HEADER.size))
    if length > max_frame:
        raise ProtocolError(f"frame of {length} bytes exceeds the {max_frame} limit")
    return decode_body(_recv_exact(sock, length))
