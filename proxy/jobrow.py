"""A claimed job row: its columns and their order, named once for the claim, the parent and
the child.

The claim returns the columns in `COLUMNS` order; the parent keeps the row as psycopg made
it and sends the first `SENT` columns to the child as one JSON array, so neither side builds
an object per job for the wire (a measured part of the throughput, BENCHMARKS.md).
Both sides read a column by its index constant below, never by a position written out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

COLUMNS: Final = ("id", "kind", "args_json", "attempt", "max_attempts", "queue", "priority",
                  "metadata_json", "created_at", "scheduled_at", "attempted_at", "n_errors")  # fmt: skip
"""`args_json`/`metadata_json` are the JSON text PostgreSQL stores (only the child decodes
them); `created_at`/`scheduled_at` are ISO 8601 text; `attempted_at` (a timestamp) and
`n_errors` are for the parent, which records an attempt's error with them."""

SENT: Final = COLUMNS.index("attempted_at")
"""A job on the wire is a row's first SENT columns."""

ID: Final = COLUMNS.index("id")
KIND: Final = COLUMNS.index("kind")
ARGS_JSON: Final = COLUMNS.index("args_json")
ATTEMPT: Final = COLUMNS.index("attempt")
MAX_ATTEMPTS: Final = COLUMNS.index("max_attempts")
QUEUE: Final = COLUMNS.index("queue")
PRIORITY: Final = COLUMNS.index("priority")
METADATA_JSON: Final = COLUMNS.index("metadata_json")
CREATED_AT: Final = COLUMNS.index("created_at")
SCHEDULED_AT: Final = COLUMNS.index("scheduled_at")
ATTEMPTED_AT: Final = COLUMNS.index("attempted_at")
N_ERRORS: Final = COLUMNS.index("n_errors")

Row = Sequence[Any]
"""A claimed row (parent) or a job on the wire (child), indexed by the constants above."""


def wire(rows: Sequence[Row]) -> list[Row]:
    """The jobs to send to the child: each row without the parent's columns."""
    return [row[:SENT] for row in rows]
