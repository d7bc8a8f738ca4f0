"""Errors raised by the template engine, one class per phase in which Go fails.

The phase matters to callers: the notification worker treats all three as permanent, but the
preview RPC reports parse errors differently from rendering errors. Messages follow Go's wording
(``template: text:3: unexpected EOF``) so template authors recognise them.
"""

from __future__ import annotations


class TemplateError(Exception):
    """Base class: the template (or its data) cannot be rendered."""


class TemplateParseError(TemplateError):
    """The template source is not valid Go template syntax."""


class TemplateExecError(TemplateError):
    """The template parsed but failed while executing (including html/template escaping)."""


class EntityDataError(TemplateError):
    """``entity_data`` is not a JSON object or null, or holds a number too large for a float64."""


def line_col(source: str, pos: int) -> tuple[int, int]:
    """Go's ErrorContext location for byte offset ``pos``: 1-based line, 0-based column."""
    text = source[:pos]
    nl = text.rfind("\n")
    return text.count("\n") + 1, pos if nl < 0 else pos - nl - 1
