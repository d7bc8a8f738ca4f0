"""Validating an upload request and building its S3 key, as the Go worker did but safe.

The key is `{entity_type}/{entity_id}/{file_id}/original{ext}` with Go's `filepath.Ext`
rules. The Go worker put the raw values into the key; here every segment must be made of
characters S3 and browsers never percent-encode, because the frontend stores the key as it
reads it back from the URL path (an encoded key would never be found again), and `..` or `/`
would place the object outside the entity's folder.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
_MAX_KEY_BYTES = 1024  # S3's limit
_FIELDS = ("request_id", "file_name", "file_type", "entity_type", "entity_id")


class InvalidUploadError(ValueError):
    """The request can never succeed; `request_id` is set when its row can be marked failed."""

    def __init__(self, message: str, request_id: str | None = None) -> None:
        super().__init__(message)
        self.request_id = request_id


@dataclass(frozen=True)
class UploadRequest:
    request_id: str
    file_name: str
    file_type: str
    entity_type: str
    entity_id: str


def parse_request(args: Any) -> UploadRequest:
    """The job's args as the trigger writes them (§2.1); anything else is InvalidUploadError."""
    if not isinstance(args, dict):
        raise InvalidUploadError(f"job args must be a JSON object, got {type(args).__name__}")
    request_id = _request_id(args.get("request_id"))
    missing = [f for f in _FIELDS if args.get(f) is None]
    if missing:
        raise InvalidUploadError(f"upload request is missing {', '.join(missing)}", request_id)
    entity_id = args["entity_id"]
    if isinstance(entity_id, int) and not isinstance(entity_id, bool):
        entity_id = str(entity_id)
    values = {**{f: args[f] for f in _FIELDS}, "entity_id": entity_id}
    wrong = [f for f in _FIELDS if not isinstance(values[f], str)]
    if wrong:
        raise InvalidUploadError(
            f"upload request fields must be strings: {', '.join(wrong)}", request_id
        )
    if request_id is None:
        raise InvalidUploadError(f"request_id {args['request_id']!r} is not a UUID")
    return UploadRequest(**{**values, "request_id": request_id})


def _request_id(value: Any) -> str | None:
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def go_ext(file_name: str) -> str:
    """Go's `filepath.Ext` on Unix: from the last `.` of the last path element, or ""."""
    for i in range(len(file_name) - 1, -1, -1):
        if file_name[i] == "/":
            break
        if file_name[i] == ".":
            return file_name[i:]
    return ""


def object_key(req: UploadRequest, file_id: str) -> str:
    """`{entity_type}/{entity_id}/{file_id}/original{ext}`, or InvalidUploadError if unsafe."""
    ext = go_ext(req.file_name) or ".bin"
    checks = (
        (f"entity_type {req.entity_type!r}", req.entity_type),
        (f"entity_id {req.entity_id!r}", req.entity_id),
        (f"the extension {ext!r} of file_name {req.file_name!r}", f"original{ext}"),
    )
    for what, segment in checks:
        if segment in (".", "..") or not _SEGMENT.fullmatch(segment):
            raise InvalidUploadError(
                f"{what} is not a safe S3 key segment (allowed: letters, digits and "
                "'.', '_', '-', '~'; not empty, '.' or '..')",
                req.request_id,
            )
    key = f"{req.entity_type}/{req.entity_id}/{file_id}/original{ext}"
    if len(key.encode()) > _MAX_KEY_BYTES:
        raise InvalidUploadError(
            f"S3 key would be longer than {_MAX_KEY_BYTES} bytes", req.request_id
        )
    return key


def uuid7() -> str:
    """A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, 74 random bits."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10))
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # variant 10
    return str(uuid.UUID(int=value))
