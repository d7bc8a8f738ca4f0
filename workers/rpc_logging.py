"""Log records of a child travel to the parent as JSON, tagged with the job they belong to."""

from __future__ import annotations

import logging
import threading

from proxy.client import RpcClient
from workers.executor import current_job


class RpcLogHandler(logging.Handler):
    def __init__(self, rpc: RpcClient) -> None:
        super().__init__()
        self.rpc = rpc
        self._busy = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._busy, "on", False):
            return  # a log call from inside sending a log record: drop, never recurse
        self._busy.on = True
        try:
            job = current_job()
            exc = None
            if record.exc_info:
                exc = logging.Formatter().formatException(record.exc_info)
            self.rpc.log(
                {
                    "op": "log",
                    "level": record.levelno,
                    "logger": record.name,
                    "msg": record.getMessage(),
                    "exc": exc,
                    "job_id": job.id if job else None,
                    "kind": job.kind if job else None,
                    "attempt": job.attempt if job else None,
                }
            )
        except Exception:  # noqa: BLE001 - the parent is gone or the record is broken
            pass
        finally:
            self._busy.on = False
