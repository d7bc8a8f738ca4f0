"""Reading job args defensively: args are whatever a SQL producer stored as jsonb.

Malformed args can never succeed, so every problem is a JobCancel that names the field.
JSON null for a text field reads as "" (as Go's unmarshal into a string does).
"""

from __future__ import annotations

import uuid
from typing import Any

from workers.errors import JobCancel
from workers.job import Job


def object_args(job: Job) -> dict[str, Any]:
    if not isinstance(job.args, dict):
        raise JobCancel(f"{job.kind} args must be a JSON object, got {type(job.args).__name__}")
    return job.args


def text(args: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = args.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise JobCancel(f"args.{key} must be a string, got {type(value).__name__}")
    if required and not value.strip():
        raise JobCancel(f"args.{key} is required")
    return value


def optional_text(args: dict[str, Any], key: str) -> str | None:
    """For nullable columns (entity_type, entity_id): null stays None."""
    return None if args.get(key) is None else text(args, key)


def uuid_text(args: dict[str, Any], key: str) -> str:
    value = text(args, key, required=True)
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise JobCancel(f"args.{key} is not a UUID: {value!r}") from None


def bigint_text(args: dict[str, Any], key: str) -> int:
    value = args.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise JobCancel(f"args.{key} must be an integer id, got {value!r}")


def text_list(args: dict[str, Any], key: str) -> list[str]:
    value = args.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise JobCancel(f"args.{key} must be an array of strings")
    return value
