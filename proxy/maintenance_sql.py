"""River's leader election and leader-only maintenance statements (spec/RIVER.md §2.9-§2.12, §4)."""

from __future__ import annotations

ELECT_DELETE_EXPIRED = "DELETE FROM {s}river_leader WHERE expires_at < now()"

ELECT = """
INSERT INTO {s}river_leader (leader_id, elected_at, expires_at)
VALUES (%(leader_id)s, now(), now() + %(ttl)s * interval '1 second')
ON CONFLICT (name) DO NOTHING
RETURNING elected_at
"""

REELECT = """
UPDATE {s}river_leader SET expires_at = now() + %(ttl)s * interval '1 second'
WHERE elected_at = %(elected_at)s AND expires_at >= now() AND leader_id = %(leader_id)s
RETURNING elected_at
"""

RESIGN = "DELETE FROM {s}river_leader WHERE leader_id = %(leader_id)s RETURNING leader_id"

NOTIFY = "SELECT pg_notify(%(channel)s, %(payload)s)"

# Promote due jobs as River's JobSchedule does: a row with a unique key conflicts when any
# *other* row holding that key is in a state inside that other row's own mask, batch-mates
# included; a conflict, or a row after the first of its key, is discarded (stamped with the
# look-ahead time as River stamps it), the rest become `available`. Deciding on rows outside
# the batch only would promote a row into the unique index beside a
# batch-mate that is still in it: a UniqueViolation on every tick that stalls the schema.
# `%(unique)s` false leaves unique rows out: the fallback when a batch fails anyway.
SCHEDULE = """
WITH due AS (
    SELECT id, unique_key, unique_states, priority, scheduled_at
    FROM {s}river_job
    WHERE state IN ('retryable', 'scheduled')
      AND scheduled_at <= now() + %(lookahead)s * interval '1 second'
      AND (%(unique)s OR unique_key IS NULL OR unique_states IS NULL)
    ORDER BY priority, scheduled_at, id
    LIMIT %(limit)s
    FOR UPDATE
),
ranked AS (
    SELECT due.*, CASE WHEN unique_key IS NOT NULL AND unique_states IS NOT NULL
        THEN row_number() OVER (PARTITION BY unique_key ORDER BY priority, scheduled_at, id)
        END AS rn
    FROM due
),
conflicts AS (
    SELECT DISTINCT r.unique_key
    FROM ranked r JOIN {s}river_job o ON o.unique_key = r.unique_key AND o.id <> r.id
    WHERE r.rn IS NOT NULL AND o.unique_states IS NOT NULL
      AND {s}river_job_state_in_bitmask(o.unique_states, o.state)
),
decided AS (
    SELECT r.id, (r.rn IS NOT NULL AND (c.unique_key IS NOT NULL OR r.rn > 1)) AS conflict
    FROM ranked r LEFT JOIN conflicts c ON c.unique_key = r.unique_key
)
UPDATE {s}river_job j SET
    state = CASE WHEN d.conflict THEN 'discarded' ELSE 'available' END::{s}river_job_state,
    finalized_at = CASE WHEN d.conflict
        THEN now() + %(lookahead)s * interval '1 second' ELSE j.finalized_at END,
    metadata = CASE WHEN d.conflict
        THEN j.metadata || '{{"unique_key_conflict": "scheduler_discarded"}}'::jsonb
        ELSE j.metadata END
FROM decided d WHERE j.id = d.id
RETURNING j.queue, j.scheduled_at <= now() + interval '5 milliseconds' AND NOT d.conflict AS due_now
"""

STUCK = """
SELECT id, attempt, max_attempts, attempted_at, kind, queue,
       metadata ? 'cancel_attempted_at' AS cancel, coalesce(array_length(errors, 1), 0) AS n_errors
FROM {s}river_job
WHERE state = 'running' AND id > %(after)s
  AND attempted_at < now() - %(rescue_after)s * interval '1 second'
  AND NOT (queue = ANY(%(untimed)s))
ORDER BY id
LIMIT %(limit)s
"""

RESCUE = """
UPDATE {s}river_job j SET
    state = p.state::{s}river_job_state,
    errors = array_append(j.errors, p.error),
    finalized_at = CASE WHEN p.state IN ('cancelled', 'discarded') THEN now() ELSE j.finalized_at END,
    scheduled_at = CASE WHEN p.state = 'retryable'
                        THEN now() + p.delay * interval '1 second' ELSE j.scheduled_at END,
    metadata = j.metadata || jsonb_build_object(
        'river:rescue_count', {rescue_count} + 1)
FROM unnest(%(id)s::bigint[], %(state)s::text[], %(error)s::jsonb[], %(delay)s::float8[])
    AS p(id, state, error, delay)
WHERE j.id = p.id AND j.state = 'running'
"""

CLEAN = """
DELETE FROM {s}river_job WHERE id IN (
    SELECT id FROM {s}river_job
    WHERE (state = 'cancelled' AND %(cancelled)s >= 0
           AND finalized_at < now() - %(cancelled)s * interval '1 second')
       OR (state = 'completed' AND %(completed)s >= 0
           AND finalized_at < now() - %(completed)s * interval '1 second')
       OR (state = 'discarded' AND %(discarded)s >= 0
           AND finalized_at < now() - %(discarded)s * interval '1 second')
    ORDER BY id
    LIMIT %(limit)s
)
"""

QUEUE_CLEAN = """
DELETE FROM {s}river_queue WHERE name IN (
    SELECT name FROM {s}river_queue
    WHERE updated_at < now() - %(retention)s * interval '1 second'
    ORDER BY name LIMIT %(limit)s
)
"""
