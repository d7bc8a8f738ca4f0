"""`--keep`: after the summary, leave everything running until Ctrl-C for exploration."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

from supervisor.demo.content import TEMPLATE
from supervisor.demo.progress import FINAL, QUEUES, Monitor
from supervisor.demo.services import S3_KEY, S3_SECRET
from supervisor.demo.workload import BUCKET
from supervisor.runner import SupervisorProcess

TRY = (
    "SELECT create_notification((SELECT id FROM metadata.civic_os_users LIMIT 1),"
    f" '{TEMPLATE}', 'issues', '1', '{{\"id\": 1, \"display_name\": \"Hello\","
    ' "status": "Resolved"}\')'
)


def explore(
    workdir: Path, db_url: str, s3_endpoint: str, monitor: Monitor, sup: SupervisorProcess
) -> int:
    """Print where things are, echo jobs finished from now on; Ctrl-C stops. Exit code of
    the supervisor's graceful stop."""
    err = sys.stderr
    err.write(
        "\nStill running (--keep). Everything below is removed when you press Ctrl-C.\n"
        f"  DATABASE_URL  {db_url}\n"
        f"                psql {shlex.quote(db_url)} -c {shlex.quote(TRY)}\n"
        f"  S3            {s3_endpoint}  bucket {BUCKET}  (access key {S3_KEY}, secret {S3_SECRET})\n"
        f"  emails        {workdir / 'emails'}/*.eml\n"
        f"  supervisor    pid {sup.proc.pid if sup.proc else '-'}, config {sup.config_path},"
        f" log {sup.log_path}\n"
    )
    err.flush()
    last = monitor.snapshot()
    try:
        while sup.alive:
            time.sleep(0.5)
            snap = monitor.snapshot()
            for queue, name in QUEUES.items():
                before, now = last.count(queue, *FINAL), snap.count(queue, *FINAL)
                if now != before:
                    err.write(f"  {name}: {now - before} more job(s) finished ({now} in all)\n")
                    err.flush()
            last = snap
        err.write(f"the supervisor exited on its own:\n{sup.log_tail()}\n")
    except KeyboardInterrupt:
        err.write("\nstopping the supervisor and the services...\n")
    return sup.stop()
