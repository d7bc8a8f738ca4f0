"""The notifications child: queue `notifications`, all four kinds River delivers on it."""

from __future__ import annotations

from workers.notifications.statements import STATEMENTS
from workers.spec import WorkerSpec

SPEC = WorkerSpec(
    name="notifications",
    queue="notifications",
    max_workers=10,
    handlers="workers.notifications.handlers:make_handlers",
    statements=STATEMENTS,
    settings=("email", "sms", "notifications"),
)
