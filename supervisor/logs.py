"""Logging for the parent and, through it, every child.

Children send records as JSON over their socket (never pickle); the child session re-emits them here
with `child`, `job_id` and `kind`. Log I/O happens on a QueueListener thread, so a slow stderr
or journal never blocks the parent's event loop. Secrets are masked.

multiprocessing-logging is not used: it needs the fork start method and pickles records over
a pipe, while children here are exec'd and everything from them is untrusted; under load its
receiver thread also died in our runs (reader closed mid-read).
"""

from __future__ import annotations

import atexit
import json
import logging
import logging.handlers
import queue
import sys
from datetime import UTC, datetime

from supervisor.redact import redact_url

FIELDS = ("child", "job_id", "kind", "attempt")


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        tags = " ".join(
            f"{k}={getattr(record, k)}" for k in FIELDS if getattr(record, k, None) is not None
        )
        base = super().format(record)
        return redact_url(f"{base} [{tags}]" if tags else base)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact_url(record.getMessage()),
        }
        for key in FIELDS:
            if getattr(record, key, None) is not None:
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exc"] = redact_url(self.formatException(record.exc_info))
        return json.dumps(out, default=str)


def setup(level: str = "info", fmt: str = "text", *, threaded: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("psycopg.pool").setLevel(logging.WARNING)
    if threaded:
        global _listener
        records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        root.removeHandler(handler)
        root.addHandler(logging.handlers.QueueHandler(records))
        _listener = logging.handlers.QueueListener(records, handler)
        _listener.start()
        atexit.register(_listener.stop)


_listener: logging.handlers.QueueListener | None = None
