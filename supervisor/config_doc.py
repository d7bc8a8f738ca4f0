"""The README's configuration table, generated from config_keys so the two cannot drift.

`python -m supervisor.config_doc` prints it; tests/test_config.py checks the README holds it.
"""

from __future__ import annotations

from typing import Any

from supervisor.config_keys import KEYS, QUEUE_KEYS, Key

_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def _default(key: Key) -> str:
    value: Any = key.default
    if value is None:
        return "worker default"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, float):
        for unit, n in _UNITS:
            if value >= n and value % n == 0:
                return f"`{int(value // n)}{unit}`"
        return f"`{value * 1000:g}ms`"
    return '`""`' if value == "" else f"`{value}`"


def _row(path: str, key: Key, env: str) -> str:
    doc = key.doc + (
        "; secret: never logged, only sent to children that need it" if key.secret else ""
    )
    return f"| `{path}` | {env} | {_default(key)} | {doc} |"


def table() -> str:
    lines = ["| key | environment | default | meaning |", "|---|---|---|---|"]
    lines += [_row(k.path, k, ", ".join(f"`{e}`" for e in k.env)) for k in KEYS]
    for k in QUEUE_KEYS:
        env = "`THUMBNAIL_MAX_WORKERS` (thumbnails)" if k.path == "max_workers" else ""
        lines.append(_row(f"queues.<name>.{k.path}", k, env))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(table(), end="")
