"""A test-only worker whose jobs misbehave toward the parent, named in config.yaml by
reference (`queues.faults.worker: civic_example.faults:SPEC`) rather than an entry point."""

from __future__ import annotations

import os
import sys

from workers.job import Handler, Job, JobContext
from workers.spec import WorkerSpec


def forbidden(job: Job, ctx: JobContext) -> None:
    """Asks the parent for a statement this worker never registered: must be refused."""
    args = job.args if isinstance(job.args, dict) else {}
    ctx.query(str(args.get("name", "DROP TABLE metadata.river_job")))


def garbage(job: Job, ctx: JobContext) -> None:
    """Writes a frame header announcing 4 GiB on the child's RPC socket (its fd is the
    runtime's first argument): a protocol violation."""
    os.write(int(sys.argv[1]), b"\xff\xff\xff\xff")


HANDLERS: dict[str, Handler] = {"forbidden": forbidden, "garbage": garbage}

SPEC = WorkerSpec(
    name="faults",
    queue="civic_faults",
    kinds=("forbidden", "garbage"),
    max_workers=2,
    handlers="civic_example.faults:HANDLERS",
    enabled=False,
)
