"""Go text/template and html/template, reimplemented for Civic OS notification templates.

Civic OS stores email and SMS templates in Go template syntax, and the Go worker's output is the
contract: this package renders them byte for byte the same way, including html/template's
contextual escaping and the Civic OS functions (formatTimeSlot, formatMoney, markdown, ...).

Public API::

    render_part(template, entity_data, *, html, metadata, timezone, static_asset=None) -> str
    validate_part(template, *, html) -> None

Errors: TemplateParseError, TemplateExecError and EntityDataError, all TemplateError.
"""

from __future__ import annotations

from .engine import render_part, validate_part
from .errors import EntityDataError, TemplateError, TemplateExecError, TemplateParseError

__all__ = [
    "EntityDataError",
    "TemplateError",
    "TemplateExecError",
    "TemplateParseError",
    "render_part",
    "validate_part",
]
