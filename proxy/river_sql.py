"""River's job statements, schema-qualified (`{s}` is `"schema".`), never relying on search_path.

Shapes follow River's dbsqlc queries (spec/RIVER.md §2): claim by queue with SKIP LOCKED, and
one batched state change that only touches rows still `running` in the attempt we handed out.
"""

from __future__ import annotations

CLAIM_COLUMNS = (
    "j.id, j.kind, j.args::text AS args_json, j.attempt, j.max_attempts, j.queue, j.priority,"
    " j.metadata::text AS metadata_json, to_json(j.created_at) #>> '{}' AS created_at,"
    " to_json(j.scheduled_at) #>> '{}' AS scheduled_at, j.attempted_at,"
    " coalesce(array_length(j.errors, 1), 0) AS n_errors"
)
"""`args` and `metadata` travel as the JSON text PostgreSQL stores (the parent never needs
them: decoding and re-encoding them there was a tenth of its time per job), and the child
decodes them; `created_at`/`scheduled_at` come as ISO 8601 text, which is all the child uses.
`attempted_at` stays a timestamp: the parent records errors with it. The columns before it
are a job on the wire to the child (proxy.protocol.JOB_FIELDS), sent as one array."""

CLAIM = """
WITH locked_jobs AS (
    SELECT id FROM {s}river_job
    WHERE state = 'available' AND queue = %(queue)s AND scheduled_at <= now()
    ORDER BY priority ASC, scheduled_at ASC, id ASC
    LIMIT %(max)s
    FOR UPDATE SKIP LOCKED
)
UPDATE {s}river_job j SET
    state = 'running',
    attempt = j.attempt + 1,
    attempted_at = now(),
    attempted_by = array_append(
        CASE WHEN coalesce(array_length(j.attempted_by, 1), 0) >= %(max_attempted_by)s
             THEN j.attempted_by[array_length(j.attempted_by, 1) - %(max_attempted_by)s + 2:]
             ELSE j.attempted_by END,
        %(client_id)s::text)
FROM locked_jobs WHERE j.id = locked_jobs.id
RETURNING {columns}
"""

SET_STATE = """
WITH p AS (
    SELECT * FROM unnest(
        %(id)s::bigint[], %(attempt)s::int[], %(state)s::text[], %(error)s::jsonb[],
        %(delay)s::float8[], %(undo_attempt)s::bool[], %(snooze)s::bool[]
    ) AS p(id, attempt, state, error, delay, undo_attempt, snooze)
),
locked AS (
    SELECT j.id, p.error, p.delay, p.undo_attempt, p.snooze,
        CASE WHEN j.metadata ? 'cancel_attempted_at' AND p.state IN ('retryable', 'scheduled')
             THEN 'cancelled' ELSE p.state END AS state
    FROM {s}river_job j JOIN p ON p.id = j.id AND p.attempt = j.attempt
    WHERE j.state = 'running'
    ORDER BY j.id
    FOR UPDATE OF j
)
UPDATE {s}river_job j SET
    state = l.state::{s}river_job_state,
    attempt = CASE WHEN l.undo_attempt AND l.state <> 'cancelled'
                   THEN j.attempt - 1 ELSE j.attempt END,
    errors = CASE WHEN l.error IS NULL THEN j.errors ELSE array_append(j.errors, l.error) END,
    finalized_at = CASE WHEN l.state IN ('completed', 'cancelled', 'discarded')
                        THEN now() ELSE j.finalized_at END,
    scheduled_at = CASE WHEN l.delay IS NOT NULL AND l.state <> 'cancelled'
                        THEN now() + l.delay * interval '1 second' ELSE j.scheduled_at END,
    metadata = CASE WHEN l.snooze
                    THEN j.metadata || jsonb_build_object('snoozes', {snoozes} + 1)
                    ELSE j.metadata END
FROM locked l WHERE j.id = l.id
RETURNING j.id, j.state::text
"""
"""River's JobSetStateIfRunningMany: a request to cancel (`cancel_attempted_at`, set by River
UI or JobCancel) turns a retry or snooze that would wait (`retryable`/`scheduled`) into
`cancelled`, keeping the attempt; one due at once (`available`) stays `available`, and a
snooze counts in `snoozes` even when cancelled (spec/RIVER_REVIEW.md §2.8)."""

COMPLETE = """
WITH locked AS (
    SELECT j.id FROM {s}river_job j
    JOIN unnest(%(id)s::bigint[], %(attempt)s::int[]) AS p(id, attempt)
      ON p.id = j.id AND p.attempt = j.attempt
    WHERE j.state = 'running'
    ORDER BY j.id
    FOR UPDATE OF j
)
UPDATE {s}river_job j SET state = 'completed', finalized_at = now()
FROM locked l WHERE j.id = l.id
"""
"""SET_STATE for the common case, every change `completed` (no error, delay or snooze):
two arrays to bind instead of seven, no CASE per row and no rows returned. Same guards: only
rows still `running` in the attempt handed out."""

LOCK_RUNNING = """
SELECT id FROM {s}river_job
WHERE id = %(id)s AND attempt = %(attempt)s AND state = 'running'
FOR UPDATE
"""

QUEUE_UPSERT = """
INSERT INTO {s}river_queue (name, created_at, metadata, updated_at)
VALUES (%(name)s, now(), '{{}}', now())
ON CONFLICT (name) DO UPDATE SET updated_at = now()
RETURNING paused_at IS NOT NULL AS paused
"""

QUEUE_PAUSED = (
    "SELECT name FROM {s}river_queue WHERE name = ANY(%(names)s) AND paused_at IS NOT NULL"
)


def _json_int(value: str, *, gjson: bool) -> str:
    """A counter read from job metadata that no value can make fail: a malformed value in
    one row must never fail a whole batch (spec/RIVER_REVIEW.md §2.3). Numbers truncate
    (clamped to +-2^62), anything else is 0; with `gjson`, as River's gjson `Int()` reads
    `snoozes`, a string of digits counts as its number and `true` as 1. River's rescuer reads
    `river:rescue_count` only when it is a number."""
    text = f"(({value}) #>> '{{}}')"
    as_string = (
        f"WHEN 'string' THEN CASE WHEN {text} ~ '^-?[0-9]{{1,18}}$' THEN {text}::bigint ELSE 0 END "
        if gjson
        else ""
    )
    as_bool = (
        f"WHEN 'boolean' THEN CASE WHEN ({value})::boolean THEN 1 ELSE 0 END " if gjson else ""
    )
    return (
        f"(CASE jsonb_typeof({value}) "
        f"WHEN 'number' THEN trunc(least(greatest(({value})::numeric, -4611686018427387904),"
        f" 4611686018427387904))::bigint "
        f"{as_string}{as_bool}ELSE 0 END)"
    )


SNOOZES = _json_int("j.metadata -> 'snoozes'", gjson=True)
RESCUE_COUNT = _json_int("j.metadata -> 'river:rescue_count'", gjson=False)


def render(template: str, schema_prefix: str) -> str:
    return template.format(
        s=schema_prefix, columns=CLAIM_COLUMNS, snoozes=SNOOZES, rescue_count=RESCUE_COUNT
    )
