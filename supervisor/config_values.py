"""Parsers for config values as operators write them: durations, booleans, sizes.

Booleans follow Go's strconv.ParseBool, so environment files written for the Go worker keep
their meaning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_DURATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}
_SIZE = re.compile(r"^\s*(\d+)\s*(B|KB|MB|GB|KiB|MiB|GiB)?\s*$")
_SIZE_UNITS = {None: 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9}
_SIZE_UNITS |= {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30}


def parse_duration(value: object) -> float:
    """Seconds from `500ms`, `10s`, `5m`, `1h`, `7d` or a bare number of seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 500ms, 10s, 5m or 1h")
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"expected a duration such as 500ms, 10s, 5m or 1h, got {value!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def parse_int(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"expected an integer, got {value!r}") from None


def parse_size(value: object) -> int:
    """Bytes from `52428800`, `50MB` or `50MiB`."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError(f"expected a size such as 50MB or 52428800, got {value!r}")
    return int(match.group(1)) * _SIZE_UNITS[match.group(2)]


def parse_str(value: object) -> str:
    if isinstance(value, dict | list):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return "" if value is None else str(value)


PARSERS: dict[str, Callable[[object], Any]] = {
    "str": parse_str,
    "int": parse_int,
    "bool": parse_bool,
    "duration": parse_duration,
    "size": parse_size,
}
"""The parser of each workers.spec.SettingType."""
