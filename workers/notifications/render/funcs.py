"""How template functions are described to the evaluator: Go signatures reduced to what matters.

text/template converts each argument according to the Go parameter type, and those conversions
decide which calls fail (``formatDate .Entity.missing`` does, ``formatMoney .Entity.missing``
does not). A parameter kind is one of:

* ``V`` - ``reflect.Value``: the raw value, missing values included (index, len, eq, ...)
* ``A`` - ``interface{}``: a missing value arrives as ``None``
* ``S`` - ``string``: anything but a string (or a string literal) is an error
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

VALUE, ANY, STRING = "V", "A", "S"


class FuncError(Exception):
    """Returned-error of a Go function: reported as ``error calling NAME: MESSAGE``."""


@dataclass(frozen=True, slots=True)
class GoFunc:
    name: str
    impl: Callable[..., Any]
    params: tuple[str, ...] = ()
    variadic: str | None = None
    builtin: bool = False

    def param_kind(self, index: int) -> str:
        """Kind of the index'th argument (the variadic kind past the fixed ones)."""
        if index < len(self.params):
            return self.params[index]
        return self.variadic or ANY


def fixed(name: str, impl: Callable[..., Any], *params: str) -> GoFunc:
    return GoFunc(name, impl, tuple(params))


def variadic(name: str, impl: Callable[..., Any], rest: str, *params: str) -> GoFunc:
    return GoFunc(name, impl, tuple(params), rest)
