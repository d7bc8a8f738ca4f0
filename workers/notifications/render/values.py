"""Python stand-ins for the Go values a template sees, so Go's reflection rules can be applied.

Mapping (Go -> Python):

* invalid ``reflect.Value`` (a missing value) -> :data:`NO_VALUE`
* nil ``interface{}`` (JSON null, a missing map key)  -> ``None``
* ``float64`` -> ``float``; ``int`` -> ``int``; ``uint8`` -> :class:`Uint8`; ``bool`` -> ``bool``
* ``string`` -> ``str``; ``template.HTML`` -> :class:`HTML`
* ``map[string]interface{}`` -> ``dict``; a nil one -> :class:`NilMap`
* ``map[string]string`` -> :class:`StrMap`; ``[]interface{}`` -> ``list`` (or :class:`GoSlice`)

Go strings are byte strings. Bytes that are not valid UTF-8 (from slicing a string mid-rune or a
``"\\xff"`` literal) are carried as surrogate escapes (U+DC80..U+DCFF), see :mod:`.gostr`.
"""

from __future__ import annotations

from typing import Any


class _NoValue:
    """The invalid reflect.Value: printed as ``<no value>`` by text/template."""

    _instance: _NoValue | None = None

    def __new__(cls) -> _NoValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_VALUE"

    def __bool__(self) -> bool:
        return False


NO_VALUE: Any = _NoValue()


class _Missing:
    """Marks an absent pipeline 'final' argument (Go's missingVal)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class StrMap(dict[str, str]):
    """A Go ``map[string]string``: missing keys read as ``""`` rather than nil."""


class NilMap(dict[str, Any]):
    """A nil ``map[string]interface{}`` (entity_data ``null``): empty, JSON-encodes as null."""


class GoSlice(list[Any]):
    """A ``[]interface{}`` with an explicit capacity (the result of ``slice``)."""

    cap: int

    def __init__(self, items: list[Any], cap: int) -> None:
        super().__init__(items)
        self.cap = cap


class Uint8(int):
    """A Go ``uint8`` (a byte, from ``index`` on a string)."""

    __slots__ = ()


class HTML(str):
    """Go's ``template.HTML``: trusted markup that html/template does not re-escape."""

    __slots__ = ()


# Go's runtime malloc size classes (bytes), used to reproduce append's capacity growth.
_SIZE_CLASSES = (
    0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288,
    320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536,
    1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192,
    9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576,
    27264, 28672, 32768,
)  # fmt: skip
_cap_cache: dict[int, int] = {}


def _roundupsize(size: int) -> int:
    """runtime.roundupsize for a pointerful allocation (Go 1.22+ malloc headers)."""
    if size <= 32768 - 8:
        req = size + 8 if size > 512 else size
        for cls in _SIZE_CLASSES:
            if cls >= req:
                return cls - (req - size)
    return (size + 8191) & ~8191


def json_cap(length: int) -> int:
    """Capacity of a []interface{} that encoding/json built by appending ``length`` items."""
    if length in _cap_cache:
        return _cap_cache[length]
    cap = 0
    for n in range(1, length + 1):
        if n <= cap:
            continue
        new = cap * 2
        if n > new:
            new = n
        elif cap >= 256:
            new = cap
            while new < n:
                new += (new + 768) >> 2
        cap = _roundupsize(new * 16) >> 4
    _cap_cache[length] = cap
    return cap


def cap_of(value: list[Any]) -> int:
    return value.cap if isinstance(value, GoSlice) else json_cap(len(value))


_TYPE_NAMES: tuple[tuple[type, str], ...] = (
    (bool, "bool"),
    (Uint8, "uint8"),
    (int, "int"),
    (float, "float64"),
    (complex, "complex128"),
    (HTML, "template.HTML"),
    (str, "string"),
    (StrMap, "map[string]string"),
    (dict, "map[string]interface {}"),
    (list, "[]interface {}"),
)


def type_name(value: Any) -> str:
    """Go's ``reflect.Type.String()`` for a value (``<nil>`` for nil)."""
    if value is None or value is NO_VALUE:
        return "<nil>"
    for cls, name in _TYPE_NAMES:
        if isinstance(value, cls):
            return name
    return type(value).__name__


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def truth(value: Any) -> bool:
    """Go's template truth: false, 0, nil, and empty strings, maps and slices are false."""
    if value is None or value is NO_VALUE:
        return False
    if isinstance(value, (str, dict, list)):
        return len(value) > 0
    return bool(value)
