"""Decode a job's ``entity_data`` the way Go's ``json.Unmarshal`` into ``map[string]interface{}`` does.

Every number becomes a float64 (``1234567`` prints as ``1.234567e+06``), ``null`` gives an
empty nil map, invalid UTF-8 and lone surrogates become U+FFFD, and anything that is not an
object or null - or holds a number beyond float64's range - is rejected.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .errors import EntityDataError
from .gostr import decode_go, repair_surrogates
from .values import NilMap


def _number(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise EntityDataError(f"json: cannot unmarshal number {text} into Go value of type float64")
    return value


def _constant(name: str) -> Any:
    raise EntityDataError(f"invalid character '{name[0]}' looking for beginning of value")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return {repair_surrogates(k): _fix(v) for k, v in pairs}


def _fix(value: Any) -> Any:
    if isinstance(value, str):
        return repair_surrogates(value)
    if isinstance(value, list):
        return [_fix(v) for v in value]
    return value


_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_float=_number, parse_int=_number, parse_constant=_constant
)


def decode_entity(entity_data: str | bytes | None) -> dict[str, Any]:
    """The ``.Entity`` value: a dict of Go-typed values (a NilMap for ``null`` or None)."""
    if entity_data is None:
        return NilMap()
    text = decode_go(entity_data) if isinstance(entity_data, (bytes, bytearray)) else entity_data
    try:
        value = _DECODER.decode(text)
    except EntityDataError:
        raise
    except (ValueError, RecursionError) as err:
        raise EntityDataError(f"invalid entity data: {err}") from None
    if value is None:
        return NilMap()
    if not isinstance(value, dict):
        kind = {str: "string", bool: "bool", float: "number", list: "array"}.get(
            type(value), "value"
        )
        raise EntityDataError(
            f"json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
        )
    return value
