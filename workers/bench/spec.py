"""Spec of the bench child: queue `civic_bench`, one kind per outcome path, no settings."""

from workers.spec import WorkerSpec

SPEC = WorkerSpec(
    name="bench",
    queue="civic_bench",
    kinds=("noop", "sleep", "fail", "cancel", "snooze", "crash", "hang", "write", "log",
           "journal"),
    max_workers=50,
    handlers="workers.bench.handlers:HANDLERS",
    statements={
        # A worker write committed with the completion: lets tests prove both-or-neither.
        "record": "INSERT INTO civic_bench_effects (job_id, note) VALUES (%(job_id)s, %(note)s)",
        "now": "SELECT now() AS now",
    },
    enabled=False,
    doc="synthetic jobs for tests and benchmarks",
)  # fmt: skip
