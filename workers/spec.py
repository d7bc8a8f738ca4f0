"""What a worker declares about itself, read by the parent without importing worker code.

The parent runs only the statements a child's spec registers, and hands the child only the
settings sections it names: least privilege is decided here, in code the child cannot change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WorkerSpec:
    name: str
    """Child name, also the key under `queues:` in config.yaml (e.g. "presign")."""
    queue: str
    """Default River queue the child works (e.g. "s3_signer")."""
    max_workers: int
    """Default number of worker threads."""
    handlers: str
    """"module:attribute" imported only inside the child: either a dict kind -> handler, or a
    callable `(settings) -> dict` that builds long-lived clients (S3, SMTP) once per child;
    raising there is a clear startup error."""
    statements: Mapping[str, str] = field(default_factory=dict)
    """Registered SQL by name. `{schema}` is replaced by the quoted River schema; parameters
    are psycopg named placeholders `%(name)s`, always bound, never formatted."""
    settings: tuple[str, ...] = ()
    """Top-level config sections (e.g. "s3", "email") sent to the child at start."""
    enabled: bool = True
    """Whether the child runs when config.yaml does not say."""
    startup: str | None = None
    """Optional "module:function" called once in the child with its settings before the first
    fetch; raising there is a clear startup error (e.g. invalid SMTP_FROM)."""
