"""Civic OS tables, functions and triggers the workers touch, as SQL shipped with the package.

Written from Civic OS's migrations for tests and the demo: a fresh database gets just
enough of Civic OS that its producers (the job-inserting triggers) and the workers' statements
behave as in production. `sql("files")` returns `files.sql`; other workers add their own files.
"""

from __future__ import annotations

import re
from importlib import resources

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def sql(name: str) -> str:
    """The text of `workers/civic_schema/<name>.sql`, to run in one `execute` (no parameters)."""
    if not _NAME.match(name):
        raise ValueError(f"civic schema name {name!r} must match {_NAME.pattern}")
    path = resources.files(__name__).joinpath(f"{name}.sql")
    if not path.is_file():
        raise FileNotFoundError(f"no civic schema file {name}.sql in {__name__}")
    return path.read_text(encoding="utf-8")
