"""text/template's predefined functions (funcs.go) with Go's type rules and error cases."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

from .funcs import ANY, STRING, VALUE, FuncError, GoFunc, fixed, variadic
from .gofmt import Printer, sprint, sprintln
from .goprintf import sprintf
from .goquote import is_print
from .gostr import byte_len, from_bytes, is_stray, to_bytes
from .values import NO_VALUE, GoSlice, NilMap, StrMap, Uint8, cap_of, is_int, truth, type_name

# -- kinds, as used by the comparison functions ------------------------------------------------
_BOOL, _INT, _UINT, _FLOAT, _COMPLEX, _STRING = range(6)


def _kind(v: Any) -> int | None:
    if v is True or v is False:
        return _BOOL
    if isinstance(v, Uint8):
        return _UINT
    if isinstance(v, int):
        return _INT
    if isinstance(v, float):
        return _FLOAT
    if isinstance(v, complex):
        return _COMPLEX
    if isinstance(v, str):
        return _STRING
    return None


def _unwrap(v: Any) -> Any:
    """indirectInterface: a nil interface becomes the invalid value."""
    return NO_VALUE if v is None else v


def _is_nil(v: Any) -> bool:
    return v is NO_VALUE or isinstance(v, NilMap)


def _container_kind(v: Any) -> str:
    return "map" if isinstance(v, dict) else "slice" if isinstance(v, list) else "invalid"


def eq(arg1: Any, *rest: Any) -> bool:
    arg1 = _unwrap(arg1)
    if not rest:
        raise FuncError("missing argument for comparison")
    k1 = _kind(arg1)
    for arg in rest:
        arg = _unwrap(arg)
        k2 = _kind(arg)
        if k1 != k2:
            if (k1 == _INT and k2 == _UINT) or (k1 == _UINT and k2 == _INT):
                if arg1 >= 0 and arg == arg1:
                    return True
                continue
            if arg1 is not NO_VALUE and arg is not NO_VALUE:
                raise FuncError("incompatible types for comparison")
            continue
        if k1 is not None:
            if k1 == _STRING:
                if to_bytes(arg1) == to_bytes(arg):
                    return True
            elif arg1 == arg:
                return True
            continue
        # Both are maps, slices or nil: only nil compares.
        kinds = (_container_kind(arg1), _container_kind(arg))
        if kinds[0] != kinds[1] and "invalid" not in kinds:
            raise FuncError(
                f"non-comparable types {_show(arg1)}: {type_name(arg1)}, "
                f"{_show(arg)}: {type_name(arg)}"
            )
        if _is_nil(arg1) or _is_nil(arg):
            if _is_nil(arg1) == _is_nil(arg):
                return True
            continue
        raise FuncError(f"non-comparable type {_show(arg)}: {type_name(arg)}")
    return False


def _show(v: Any) -> str:
    p = Printer()
    p.print_arg(None if v is NO_VALUE else v, "v")
    return p.text()


def ne(arg1: Any, arg2: Any) -> bool:
    return not eq(arg1, arg2)


def lt(arg1: Any, arg2: Any) -> bool:
    arg1, arg2 = _unwrap(arg1), _unwrap(arg2)
    k1, k2 = _kind(arg1), _kind(arg2)
    if k1 is None or k2 is None:
        raise FuncError("invalid type for comparison")
    if k1 != k2:
        if k1 == _INT and k2 == _UINT:
            return bool(arg1 < 0 or arg1 < arg2)
        if k1 == _UINT and k2 == _INT:
            return bool(arg2 >= 0 and arg1 < arg2)
        raise FuncError("incompatible types for comparison")
    if k1 in (_BOOL, _COMPLEX):
        raise FuncError("invalid type for comparison")
    if k1 == _STRING:
        return to_bytes(arg1) < to_bytes(arg2)
    return bool(arg1 < arg2)


def le(arg1: Any, arg2: Any) -> bool:
    return lt(arg1, arg2) or eq(arg1, arg2)


def gt(arg1: Any, arg2: Any) -> bool:
    return not le(arg1, arg2)


def ge(arg1: Any, arg2: Any) -> bool:
    return not lt(arg1, arg2)


def not_(arg: Any) -> bool:
    return not truth(arg)


# -- containers --------------------------------------------------------------------------------
def length(item: Any) -> int:
    if item is None:
        raise FuncError("len of nil pointer")
    if isinstance(item, str):
        return byte_len(item)
    if isinstance(item, (dict, list)):
        return len(item)
    raise FuncError(f"len of type {type_name(item) if item is not NO_VALUE else 'invalid'}")


def _index_arg(index: Any, cap: int) -> int:
    index = _unwrap(index)
    if is_int(index):
        x = int(index)
    elif index is NO_VALUE:
        raise FuncError("cannot index slice/array with nil")
    else:
        raise FuncError(f"cannot index slice/array with type {type_name(index)}")
    if x < 0 or x > cap:
        raise FuncError(f"index out of range: {x}")
    return x


def index(item: Any, *indexes: Any) -> Any:
    item = _unwrap(item)
    if item is NO_VALUE:
        raise FuncError("index of untyped nil")
    for idx in indexes:
        if item is None:
            raise FuncError("index of nil pointer")
        if isinstance(item, (str, list)):
            seq = to_bytes(item) if isinstance(item, str) else item
            x = _index_arg(idx, len(seq))
            if x >= len(seq):
                raise FuncError(f"index out of range: {x}")
            item = Uint8(seq[x]) if isinstance(seq, bytes) else seq[x]
        elif isinstance(item, dict):
            key = _unwrap(idx)
            if key is NO_VALUE:
                raise FuncError("value is nil; should be of type string")
            if type(key) is not str:
                raise FuncError(f"value has type {type_name(key)}; should be string")
            item = item.get(key, "" if isinstance(item, StrMap) else None)
        else:
            raise FuncError(f"can't index item of type {type_name(item)}")
    return item


def slice_(item: Any, *indexes: Any) -> Any:
    item = _unwrap(item)
    if item is NO_VALUE:
        raise FuncError("slice of untyped nil")
    if len(indexes) > 3:
        raise FuncError(f"too many slice indexes: {len(indexes)}")
    if isinstance(item, str):
        if len(indexes) == 3:
            raise FuncError("cannot 3-index slice a string")
        data = to_bytes(item)
        size = cap = len(data)
    elif isinstance(item, list):
        size, cap = len(item), cap_of(item)
    else:
        raise FuncError(f"can't slice item of type {type_name(item)}")
    idx = [0, size, cap]
    for i, x in enumerate(indexes):
        idx[i] = _index_arg(x, cap)
    if idx[0] > idx[1]:
        raise FuncError(f"invalid slice index: {idx[0]} > {idx[1]}")
    if isinstance(item, str):
        return type(item)(from_bytes(data[idx[0] : idx[1]]))
    if len(indexes) == 3 and idx[1] > idx[2]:
        raise FuncError(f"invalid slice index: {idx[1]} > {idx[2]}")
    backing = list(item) + [None] * (cap - size)
    new_cap = (idx[2] if len(indexes) == 3 else cap) - idx[0]
    return GoSlice(backing[idx[0] : idx[1]], new_cap)


def call(fn: Any, *args: Any) -> Any:
    fn = _unwrap(fn)
    if fn is NO_VALUE:
        raise FuncError("call of nil")
    raise FuncError(f"non-function {_show(fn)} of type {type_name(fn)}")


# -- printing and escaping -------------------------------------------------------------------
def _printable(v: Any) -> Any:
    """text/template's printableValue for one argument of html/js/urlquery."""
    return "<no value>" if v is None or v is NO_VALUE else v


def eval_args(args: tuple[Any, ...]) -> str:
    if len(args) == 1 and type(args[0]) is str:
        return args[0]
    return sprint(*(_printable(a) for a in args))


_HTML_ESCAPES = {"\0": "\ufffd", '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;"}
_HTML_TABLE = str.maketrans(_HTML_ESCAPES)


def html_escape_string(s: str) -> str:
    """template.HTMLEscapeString."""
    return s.translate(_HTML_TABLE)


def html_escaper(*args: Any) -> str:
    return html_escape_string(eval_args(args))


_JS_SPECIAL = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E", "&": "\\u0026", "=": "\\u003D"}  # fmt: skip


def js_escape_string(s: str) -> str:
    """template.JSEscapeString."""
    out = []
    for ch in s:
        if ch in _JS_SPECIAL:
            out.append(_JS_SPECIAL[ch])
        elif ch < " ":
            out.append(f"\\u00{ord(ch):02X}")
        elif ch < "\x80" or is_stray(ch) or is_print(ch):
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04X}")
    return "".join(out)


def js_escaper(*args: Any) -> str:
    return js_escape_string(eval_args(args))


def urlquery_escaper(*args: Any) -> str:
    return quote_plus(to_bytes(eval_args(args)), safe="")


def _printf(fmt: str, *args: Any) -> str:
    return sprintf(fmt, *args)


BUILTINS: dict[str, GoFunc] = {
    f.name: f
    for f in (
        GoFunc("and", truth, (VALUE,), VALUE, builtin=True),
        GoFunc("or", truth, (VALUE,), VALUE, builtin=True),
        fixed("not", not_, VALUE),
        variadic("call", call, VALUE, VALUE),
        variadic("html", html_escaper, ANY),
        variadic("js", js_escaper, ANY),
        variadic("urlquery", urlquery_escaper, ANY),
        variadic("index", index, VALUE, VALUE),
        variadic("slice", slice_, VALUE, VALUE),
        fixed("len", length, VALUE),
        variadic("print", sprint, ANY),
        variadic("printf", _printf, ANY, STRING),
        variadic("println", sprintln, ANY),
        variadic("eq", eq, VALUE, VALUE),
        fixed("ne", ne, VALUE, VALUE),
        fixed("lt", lt, VALUE, VALUE),
        fixed("le", le, VALUE, VALUE),
        fixed("gt", gt, VALUE, VALUE),
        fixed("ge", ge, VALUE, VALUE),
    )
}
