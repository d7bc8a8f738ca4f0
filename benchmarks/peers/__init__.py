"""civic-supervisor against pgqueuer and procrastinate: the same burn-down of N no-op jobs.

    python -m benchmarks.peers [--jobs 100000] [--json]

One embedded PostgreSQL (`supervisor.benchmark.target.embedded`, fsync and synchronous_commit
off) serves all three, one after the other, each in a database of its own so the schemas
never meet:

1. civic-supervisor: `civic-supervisor bench`'s own burn-down (`supervisor.benchmark.runs.
   bench_child` with `burndown`): the real supervisor, the bench child, a budget of 4
   connections; N jobs inserted in one statement with one NOTIFY once the child is warm.
2. pgqueuer, async `PsycopgDriver`: schema from its installer (`Queries.install`), N jobs from
   one batch `Queries.enqueue`, then a worker process with a no-op entrypoint.
3. procrastinate, `PsycopgConnector`: schema from `SchemaManager.apply_schema_async`, N jobs
   from `Task.batch_defer_async`, then a worker process with a no-op async task.

For the peers the jobs are queued before the clock starts. Each worker process imports its
library, connects and registers its handler, says `ready`, and waits; the clock starts at the
server's `clock_timestamp()` just before it is told `go`, and stops at the last completion the
peer itself wrote to the database (pgqueuer: `pgqueuer_log.created`; procrastinate:
`procrastinate_events.at`), so the supervisor's warm start and the peers' are alike and no
client-side buffer can end the clock early. Connections are `pg_stat_activity` sessions by
application_name, sampled every 10 ms by a session of their own (`ConnectionSampler`), over the
whole life of each system's processes. Peers are benchmark-only: nothing under supervisor/,
proxy/ or workers/ imports them.

Modules: `settings` (the peers' worker settings), `pgqueuer_run` and `procrastinate_run` (each
peer through its own API), `specs` (what the bench needs of a peer), `worker` (the peer's worker
process, both ends), `civic` and `burndown` (one timed run each), `plan` and `rounds` (the rows
and the rounds), `summary` (median and target), `report` (text), `__main__` (the command line).
"""
