"""Turning escaper arguments into text (content.go's stringify, escape.go's evalArgs)."""

from __future__ import annotations

from typing import Any

from ..gofmt import sprint
from ..values import HTML
from .attrs import Content

# Emitted in place of unsafe values: innocuous, and easy to search for.
FILTER_FAILSAFE = "ZgotmplZ"


def stringify(args: tuple[Any, ...]) -> tuple[str, Content]:
    """The text of the arguments and, for one typed-content value, its content type.

    Nil arguments are skipped, so a missing value renders as "" rather than ``<nil>``.
    """
    if len(args) == 1:
        arg = args[0]
        if type(arg) is str:
            return arg, Content.Plain
        if isinstance(arg, HTML):
            return str(arg), Content.HTML
    return sprint(*(a for a in args if a is not None)), Content.Plain


def eval_args(*args: Any) -> str:
    """html/template's ``_eval_args_``: fmt.Sprint, nils printed as ``<nil>``."""
    if len(args) == 1 and type(args[0]) is str:
        return args[0]
    return sprint(*args)
