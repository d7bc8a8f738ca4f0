"""encoding/json's Marshal for template values, as html/template's JS escaper uses it.

Differences from Python's json.dumps that matter here: ``<``, ``>`` and ``&`` become
``\\u003c`` etc., U+2028/U+2029 are escaped, floats use ES6 formatting (``1e+21``, ``1e-7``),
map keys are sorted byte-wise and a nil map is ``null``.
"""

from __future__ import annotations

from typing import Any

from .goquote import format_json_float
from .gostr import is_stray, to_bytes
from .values import NO_VALUE, NilMap


class UnsupportedTypeError(Exception):
    """json.UnsupportedTypeError: a value Marshal cannot encode."""


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def quote_string(s: str) -> str:
    out = ['"']
    for ch in s:
        rep = _ESCAPES.get(ch)
        if rep is not None:
            out.append(rep)
        elif ch < " ":
            out.append(f"\\u{ord(ch):04x}")
        elif is_stray(ch):
            out.append("\\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def marshal(value: Any) -> str:
    if value is None or value is NO_VALUE or isinstance(value, NilMap):
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return format_json_float(value)
    if isinstance(value, str):
        return quote_string(value)
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: to_bytes(kv[0]))
        return "{" + ",".join(quote_string(k) + ":" + marshal(v) for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(marshal(v) for v in value) + "]"
    if isinstance(value, complex):
        raise UnsupportedTypeError("json: unsupported type: complex128")
    raise UnsupportedTypeError(f"json: unsupported type: {type(value).__name__}")
