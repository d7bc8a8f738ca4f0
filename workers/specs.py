"""Every worker civic-supervisor can run: the built-in ones, those other packages register
under the entry-point group `civic_supervisor.workers`, and any named by a
`queues.<name>.worker: package.module:attribute` reference in config.yaml.

Only spec modules are imported here: they declare queues, statements and settings without
importing worker code, so the parent never loads boto3, Pillow or a worker's bugs.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import replace
from importlib.metadata import entry_points

from workers.bench.spec import SPEC as BENCH
from workers.notifications.spec import SPEC as NOTIFICATIONS
from workers.presign.spec import SPEC as PRESIGN
from workers.scheduled.spec import SPEC as SCHEDULED
from workers.spec import WorkerSpec
from workers.thumbnails.spec import SPEC as THUMBNAILS

GROUP = "civic_supervisor.workers"
BUILTIN: tuple[WorkerSpec, ...] = (PRESIGN, THUMBNAILS, NOTIFICATIONS, SCHEDULED, BENCH)


class SpecError(Exception):
    """A worker reference or registration that cannot be used; the message says which."""


def _specs(value: object, where: str) -> list[WorkerSpec]:
    if isinstance(value, WorkerSpec):
        return [value]
    if isinstance(value, list | tuple) and value and all(isinstance(v, WorkerSpec) for v in value):
        return list(value)
    raise SpecError(f"{where} is a {type(value).__name__}, not a WorkerSpec (or a list of them)")


def load_ref(ref: str, name: str) -> WorkerSpec:
    """The spec at "package.module:attribute", run as child `name`."""
    module, sep, attr = ref.partition(":")
    if not sep or not module or not attr:
        raise SpecError(f"{ref!r} is not of the form package.module:attribute")
    try:
        value = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise SpecError(f"cannot load {ref}: {type(exc).__name__}: {exc}") from None
    specs = _specs(value, ref)
    if len(specs) != 1:
        raise SpecError(f"{ref} holds {len(specs)} workers; name one")
    return specs[0] if specs[0].name == name else replace(specs[0], name=name)


def installed() -> dict[str, WorkerSpec]:
    """Built-in workers, then every registered one, by child name (names must not clash)."""
    found: dict[str, WorkerSpec] = {}

    def add(specs: Iterable[WorkerSpec], where: str) -> None:
        for spec in specs:
            if spec.name in found:
                raise SpecError(f"{where}: a worker named {spec.name!r} already exists")
            found[spec.name] = spec

    add(BUILTIN, "built-in")
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        where = f"entry point {ep.name} = {ep.value} ({GROUP})"
        try:
            value = ep.load()
        except Exception as exc:  # noqa: BLE001 - any failure of third-party code is its error
            raise SpecError(f"{where} cannot load: {type(exc).__name__}: {exc}") from None
        add(_specs(value, where), where)
    return found
