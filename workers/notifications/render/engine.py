"""Parsing cache and the render/validate entry points.

Templates are parsed once per (source, engine) and kept in a bounded LRU cache; for HTML the
contextual escaping pass runs on first use and its outcome (escaped trees or the escaping error
Go would report at execution) is cached with the parse.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from .builtins import BUILTINS
from .civic_funcs import CIVIC_FUNC_NAMES, StaticAssetLookup, civic_funcs, load_zone
from .entity import decode_entity
from .errors import TemplateExecError, TemplateParseError
from .escape import ESCAPER_FUNCS, escape_templates
from .exec import State
from .funcs import GoFunc
from .gostr import clean_output
from .parser import Tree, parse
from .values import StrMap

TEXT_NAME, HTML_NAME, VALIDATION_NAME = "text", "html", "validation"
CACHE_SIZE = 512
_PARSE_FUNCS = CIVIC_FUNC_NAMES


class Compiled:
    """A parsed template plus, for HTML, its lazily computed escaped form."""

    def __init__(self, source: str, name: str, trees: dict[str, Tree], html: bool) -> None:
        self.source = source
        self.name = name
        self.trees = trees
        self.html = html
        self._escaped: dict[str, Tree] | TemplateExecError | None = None
        self._lock = threading.Lock()

    def executable(self) -> dict[str, Tree]:
        if not self.html:
            return self.trees
        with self._lock:
            if self._escaped is None:
                try:
                    self._escaped = escape_templates(self.trees, self.name, self.source)
                except TemplateExecError as err:
                    self._escaped = err
        if isinstance(self._escaped, TemplateExecError):
            raise TemplateExecError(str(self._escaped))
        return self._escaped


class _Cache:
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], Compiled | TemplateParseError] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, source: str, name: str, html: bool) -> Compiled:
        """The parsed template, parsing it (once, even under concurrency) on a miss."""
        key = (name, source)
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                try:
                    hit = Compiled(source, name, parse(source, name, _PARSE_FUNCS), html)
                except TemplateParseError as err:
                    hit = err
                self._items[key] = hit
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            else:
                self._items.move_to_end(key)
        if isinstance(hit, TemplateParseError):
            raise TemplateParseError(str(hit))
        return hit

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


CACHE = _Cache(CACHE_SIZE)
_FUNC_CACHE: dict[tuple[str, bool], dict[str, GoFunc]] = {}


def _funcs(timezone: str, static_asset: StaticAssetLookup | None, html: bool) -> dict[str, GoFunc]:
    """Builtins, Civic OS functions and (for HTML) escapers; cached unless staticAsset is bound."""
    key = (timezone, html)
    if static_asset is None and key in _FUNC_CACHE:
        return _FUNC_CACHE[key]
    funcs = {**BUILTINS, **civic_funcs(load_zone(timezone), static_asset)}
    if html:
        funcs.update(ESCAPER_FUNCS)
    if static_asset is None:
        _FUNC_CACHE[key] = funcs
    return funcs


def render_part(
    template: str,
    entity_data: str | bytes | None,
    *,
    html: bool,
    metadata: dict[str, str],
    timezone: str,
    static_asset: StaticAssetLookup | None = None,
) -> str:
    """Render one notification part exactly as the Go worker's RenderTemplatePart does.

    ``entity_data`` is the job's JSON text (None means JSON null). ``static_asset(slug,
    breakpoint)`` resolves ``staticAsset``; without it the function yields "" (S3 unconfigured).
    Raises EntityDataError, TemplateParseError or TemplateExecError.
    """
    entity = decode_entity(entity_data)
    name = HTML_NAME if html else TEXT_NAME
    compiled = CACHE.get(template, name, html)
    trees = compiled.executable()
    data: dict[str, Any] = {"Entity": entity, "Metadata": StrMap(metadata)}
    state = State(trees, _funcs(timezone, static_asset, html), template, name)
    return clean_output(state.execute(name, data))


def validate_part(template: str, *, html: bool) -> None:
    """Parse-check a part like ValidateTemplate; raises TemplateParseError.

    Escaping problems in HTML are execution-time errors in Go, so they pass validation.
    """
    CACHE.get(template, VALIDATION_NAME, html)
