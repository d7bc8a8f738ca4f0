"""Every statement civic-supervisor runs on River's schema, and the one way they name it.

`{schema}` in a template stands for the quoted schema name (`"metadata"`), as in the worker
specs' statements; `render` puts it in (the parent caches that in `Database.sql`). No
statement relies on search_path. The shapes follow River's own queries: claims by queue with
SKIP LOCKED, and state changes that touch only rows still `running` in the attempt handed out.
"""

from __future__ import annotations

import re

from psycopg import sql

from proxy import jobrow

_SCHEMA_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def check_schema_name(schema: str) -> str:
    """River's own rule: channel names `<schema>.river_leadership` must fit in 63 bytes."""
    if not _SCHEMA_NAME.fullmatch(schema) or len(schema) > 46:
        raise ValueError(
            f"schema {schema!r} must match [a-zA-Z_][a-zA-Z0-9_]* and be at most 46 characters"
        )
    return schema


def quoted(schema: str) -> str:
    """The schema as an identifier: `"metadata"`."""
    return sql.Identifier(check_schema_name(schema)).as_string()


def render(template: str, schema: str) -> str:
    """A statement for `schema`: `{schema}` replaced by its quoted name."""
    return template.replace("{schema}", quoted(schema))


def _json_int(value: str, *, gjson: bool) -> str:
    """A counter read from job metadata that no value can make fail: a malformed value in
    one row must never fail a whole batch. Numbers truncate (clamped to +-2^62), anything
    else is 0; with `gjson`, as River's gjson `Int()` reads `snoozes`, a string of digits
    counts as its number and `true` as 1. River's rescuer reads `river:rescue_count` only
    when it is a number."""
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

# Jobs: claim, outcomes, queues --------------------------------------------------------------

CLAIMED: dict[str, str] = {
    "id": "j.id",
    "kind": "j.kind",
    "args_json": "j.args::text",
    "attempt": "j.attempt",
    "max_attempts": "j.max_attempts",
    "queue": "j.queue",
    "priority": "j.priority",
    "metadata_json": "j.metadata::text",
    "created_at": "to_json(j.created_at) #>> '{}'",
    "scheduled_at": "to_json(j.scheduled_at) #>> '{}'",
    "attempted_at": "j.attempted_at",
    "n_errors": "coalesce(array_length(j.errors, 1), 0)",
}
"""What the claim returns for each of proxy.jobrow.COLUMNS. `args` and `metadata` travel as
the JSON text PostgreSQL stores (decoding and re-encoding them in the parent was a tenth of
its time per job); the timestamps the child sees come as ISO 8601 text, all it uses of them.
`attempted_at` stays a timestamp: the parent records errors with it."""

CLAIM = """
WITH locked_jobs AS (
    SELECT id FROM {schema}.river_job
    WHERE state = 'available' AND queue = %(queue)s AND scheduled_at <= now()
    ORDER BY priority ASC, scheduled_at ASC, id ASC
    LIMIT %(max)s
    FOR UPDATE SKIP LOCKED
)
UPDATE {schema}.river_job j SET
    state = 'running',
    attempt = j.attempt + 1,
    attempted_at = now(),
    attempted_by = array_append(
        CASE WHEN coalesce(array_length(j.attempted_by, 1), 0) >= %(max_attempted_by)s
             THEN j.attempted_by[array_length(j.attempted_by, 1) - %(max_attempted_by)s + 2:]
             ELSE j.attempted_by END,
        %(client_id)s::text)
FROM locked_jobs WHERE j.id = locked_jobs.id
RETURNING """ + ", ".join(f"{CLAIMED[c]} AS {c}" for c in jobrow.COLUMNS)
"""River's JobGetAvailable; the row comes back in proxy.jobrow.COLUMNS order."""

SET_STATE = (
    """
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
    FROM {schema}.river_job j JOIN p ON p.id = j.id AND p.attempt = j.attempt
    WHERE j.state = 'running'
    ORDER BY j.id
    FOR UPDATE OF j
)
UPDATE {schema}.river_job j SET
    state = l.state::{schema}.river_job_state,
    attempt = CASE WHEN l.undo_attempt AND l.state <> 'cancelled'
                   THEN j.attempt - 1 ELSE j.attempt END,
    errors = CASE WHEN l.error IS NULL THEN j.errors ELSE array_append(j.errors, l.error) END,
    finalized_at = CASE WHEN l.state IN ('completed', 'cancelled', 'discarded')
                        THEN now() ELSE j.finalized_at END,
    scheduled_at = CASE WHEN l.delay IS NOT NULL AND l.state <> 'cancelled'
                        THEN now() + l.delay * interval '1 second' ELSE j.scheduled_at END,
    metadata = CASE WHEN l.snooze
                    THEN j.metadata || jsonb_build_object('snoozes', """
    + SNOOZES
    + """ + 1)
                    ELSE j.metadata END
FROM locked l WHERE j.id = l.id
RETURNING j.id, j.state::text
"""
)
"""River's JobSetStateIfRunningMany: a request to cancel (`cancel_attempted_at`, set by River
UI or JobCancel) turns a retry or snooze that would wait (`retryable`/`scheduled`) into
`cancelled`, keeping the attempt; one due at once (`available`) stays `available`, and a
snooze counts in `snoozes` even when cancelled, as in River."""

COMPLETE = """
WITH locked AS (
    SELECT j.id FROM {schema}.river_job j
    JOIN unnest(%(id)s::bigint[], %(attempt)s::int[]) AS p(id, attempt)
      ON p.id = j.id AND p.attempt = j.attempt
    WHERE j.state = 'running'
    ORDER BY j.id
    FOR UPDATE OF j
)
UPDATE {schema}.river_job j SET state = 'completed', finalized_at = now()
FROM locked l WHERE j.id = l.id
"""
"""SET_STATE for the common case, every change `completed` (no error, delay or snooze):
two arrays to bind instead of seven, no CASE per row and no rows returned. Same guards: only
rows still `running` in the attempt handed out."""

LOCK_RUNNING = """
SELECT id FROM {schema}.river_job
WHERE id = %(id)s AND attempt = %(attempt)s AND state = 'running'
FOR UPDATE
"""

QUEUE_UPSERT = """
INSERT INTO {schema}.river_queue (name, created_at, metadata, updated_at)
VALUES (%(name)s, now(), '{}', now())
ON CONFLICT (name) DO UPDATE SET updated_at = now()
RETURNING paused_at IS NOT NULL AS paused
"""

QUEUE_PAUSED = (
    "SELECT name FROM {schema}.river_queue WHERE name = ANY(%(names)s) AND paused_at IS NOT NULL"
)

# Leader election and the leader's maintenance -------------------------------------------

ELECT_DELETE_EXPIRED = "DELETE FROM {schema}.river_leader WHERE expires_at < now()"

ELECT = """
INSERT INTO {schema}.river_leader (leader_id, elected_at, expires_at)
VALUES (%(leader_id)s, now(), now() + %(ttl)s * interval '1 second')
ON CONFLICT (name) DO NOTHING
RETURNING elected_at
"""

REELECT = """
UPDATE {schema}.river_leader SET expires_at = now() + %(ttl)s * interval '1 second'
WHERE elected_at = %(elected_at)s AND expires_at >= now() AND leader_id = %(leader_id)s
RETURNING elected_at
"""

RESIGN = "DELETE FROM {schema}.river_leader WHERE leader_id = %(leader_id)s RETURNING leader_id"

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
    FROM {schema}.river_job
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
    FROM ranked r JOIN {schema}.river_job o ON o.unique_key = r.unique_key AND o.id <> r.id
    WHERE r.rn IS NOT NULL AND o.unique_states IS NOT NULL
      AND {schema}.river_job_state_in_bitmask(o.unique_states, o.state)
),
decided AS (
    SELECT r.id, (r.rn IS NOT NULL AND (c.unique_key IS NOT NULL OR r.rn > 1)) AS conflict
    FROM ranked r LEFT JOIN conflicts c ON c.unique_key = r.unique_key
)
UPDATE {schema}.river_job j SET
    state = CASE WHEN d.conflict THEN 'discarded' ELSE 'available' END::{schema}.river_job_state,
    finalized_at = CASE WHEN d.conflict
        THEN now() + %(lookahead)s * interval '1 second' ELSE j.finalized_at END,
    metadata = CASE WHEN d.conflict
        THEN j.metadata || '{"unique_key_conflict": "scheduler_discarded"}'::jsonb
        ELSE j.metadata END
FROM decided d WHERE j.id = d.id
RETURNING j.queue, j.scheduled_at <= now() + interval '5 milliseconds' AND NOT d.conflict AS due_now
"""

STUCK = """
SELECT id, attempt, max_attempts, metadata ? 'cancel_attempted_at' AS cancel,
       coalesce(array_length(errors, 1), 0) AS n_errors
FROM {schema}.river_job
WHERE state = 'running' AND id > %(after)s
  AND attempted_at < now() - %(rescue_after)s * interval '1 second'
  AND NOT (queue = ANY(%(untimed)s))
ORDER BY id
LIMIT %(limit)s
"""

RESCUE = (
    """
UPDATE {schema}.river_job j SET
    state = p.state::{schema}.river_job_state,
    errors = array_append(j.errors, p.error),
    finalized_at = CASE WHEN p.state IN ('cancelled', 'discarded') THEN now() ELSE j.finalized_at END,
    scheduled_at = CASE WHEN p.state = 'retryable'
                        THEN now() + p.delay * interval '1 second' ELSE j.scheduled_at END,
    metadata = j.metadata || jsonb_build_object(
        'river:rescue_count', """
    + RESCUE_COUNT
    + """ + 1)
FROM unnest(%(id)s::bigint[], %(state)s::text[], %(error)s::jsonb[], %(delay)s::float8[])
    AS p(id, state, error, delay)
WHERE j.id = p.id AND j.state = 'running'
"""
)

CLEAN = """
DELETE FROM {schema}.river_job WHERE id IN (
    SELECT id FROM {schema}.river_job
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
DELETE FROM {schema}.river_queue WHERE name IN (
    SELECT name FROM {schema}.river_queue
    WHERE updated_at < now() - %(retention)s * interval '1 second'
    ORDER BY name LIMIT %(limit)s
)
"""

# Running jobs nobody works: lost claim replies, dead civic-supervisors ---------------------

SWEEP = """
UPDATE {schema}.river_job SET state = 'available', attempt = attempt - 1, scheduled_at = now()
WHERE state = 'running' AND queue = ANY(%(queues)s)
  AND attempted_by[array_length(attempted_by, 1)] = %(client_id)s
  AND NOT (id = ANY(%(held)s))
RETURNING id
"""
"""Our claims whose reply was lost: `running` under our client id, held by no child."""

LOCK_CLASS = 0x43495643  # "CIVC"
"""The class of every civic-supervisor's liveness lock (the object is its client id's hash)."""

TRY_LOCK = "SELECT pg_try_advisory_lock(%(cls)s, hashtext(%(client_id)s))"

CLAIMERS = """
SELECT c.client,
       EXISTS (SELECT 1 FROM pg_locks l
               WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                 AND l.classid = %(cls)s::oid
                 AND l.objid::bigint = (hashtext(c.client)::bigint & 4294967295)) AS alive
FROM (SELECT DISTINCT attempted_by[array_length(attempted_by, 1)] AS client
      FROM {schema}.river_job WHERE state = 'running') c
WHERE c.client IS NOT NULL AND c.client <> %(client_id)s
"""
"""Every other client with `running` jobs, and whether its liveness lock is held."""

RUNNING_OF = """
SELECT id, attempt, max_attempts, coalesce(array_length(errors, 1), 0), attempted_at, kind, queue
FROM {schema}.river_job
WHERE state = 'running' AND attempted_by[array_length(attempted_by, 1)] = %(client)s
ORDER BY id LIMIT 10000
"""

# `status` and the queue gauge ----------------------------------------------------------------

QUEUE_DEPTH = """
SELECT queue, state::text, count(*) FROM {schema}.river_job
WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending')
GROUP BY 1, 2
"""

QUEUE_COUNTS = """
SELECT queue,
       count(*) FILTER (WHERE state = 'available') AS available,
       count(*) FILTER (WHERE state = 'running') AS running,
       count(*) FILTER (WHERE state = 'retryable') AS retryable,
       count(*) FILTER (WHERE state = 'scheduled') AS scheduled,
       count(*) FILTER (WHERE state = 'discarded' AND finalized_at > now() - interval '24 hours')
           AS discarded_24h,
       coalesce(extract(epoch FROM now() - min(scheduled_at)
           FILTER (WHERE state = 'available' AND scheduled_at <= now())), 0)::float8 AS oldest_available_s
FROM {schema}.river_job GROUP BY queue ORDER BY queue
"""

LEADER = "SELECT leader_id FROM {schema}.river_leader"

CLIENTS = """
SELECT c.client, count(*) AS running,
       EXISTS (SELECT 1 FROM {schema}.river_leader l WHERE l.leader_id = c.client) AS leader,
       EXISTS (SELECT 1 FROM pg_locks k WHERE k.locktype = 'advisory' AND k.granted
               AND k.objsubid = 2 AND k.classid = %(cls)s::oid
               AND k.objid::bigint = (hashtext(c.client)::bigint & 4294967295)) AS lock_held
FROM (SELECT attempted_by[array_length(attempted_by, 1)] AS client FROM {schema}.river_job
      WHERE state = 'running'
      UNION ALL SELECT leader_id FROM {schema}.river_leader) c
GROUP BY c.client ORDER BY c.client
"""
"""Each client with running jobs or the leadership; `running` counts the leader row too."""

CONNECTIONS = """
SELECT coalesce(application_name, ''), count(*) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1 ORDER BY 1
"""

# The schema: its version, migrating it, what it holds -----------------------------------------

MIGRATION_COLUMNS = """
SELECT column_name FROM information_schema.columns
WHERE table_schema = %(schema)s AND table_name = 'river_migration'
"""

JOB_TABLE = "SELECT to_regclass('{schema}.river_job')"

VERSION = "SELECT coalesce(max(version), 0) FROM {schema}.river_migration WHERE line = 'main'"
"""The version of River's `main` line: what this program migrates and requires."""

VERSION_UNLINED = "SELECT coalesce(max(version), 0) FROM {schema}.river_migration"
"""VERSION before River's migration 005, when `river_migration` had no `line`."""

MIGRATED = "INSERT INTO {schema}.river_migration (line, version) VALUES ('main', %(version)s)"

MIGRATED_UNLINED = "INSERT INTO {schema}.river_migration (version) VALUES (%(version)s)"

MIGRATE_LOCK = "SELECT pg_advisory_xact_lock(%(key)s)"

CREATE_SCHEMA = "CREATE SCHEMA IF NOT EXISTS {schema}"

FACTS = """
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = %(schema)s),
rel AS (
    SELECT c.oid, c.relname FROM pg_class c JOIN ns ON c.relnamespace = ns.oid
    WHERE c.relkind IN ('r', 'p') AND left(c.relname, 6) = 'river_'
)
SELECT 'table ' || relname FROM rel
UNION ALL
SELECT 'column ' || rel.relname || '.' || a.attname
FROM pg_attribute a JOIN rel ON a.attrelid = rel.oid WHERE a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'type ' || t.typname FROM pg_type t JOIN ns ON t.typnamespace = ns.oid WHERE t.typtype = 'e'
UNION ALL
SELECT 'value ' || t.typname || '.' || e.enumlabel
FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN ns ON t.typnamespace = ns.oid
UNION ALL
SELECT 'function ' || p.proname || '(' || coalesce((
        SELECT string_agg(t.typname, ', ' ORDER BY x.n)
        FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS x(oid, n)
        JOIN pg_type t ON t.oid = x.oid), '') || ') returns ' || rt.typname
FROM pg_proc p JOIN ns ON p.pronamespace = ns.oid JOIN pg_type rt ON rt.oid = p.prorettype
UNION ALL
SELECT 'unique ' || rel.relname || ' (' || (
        SELECT string_agg(a.attname, ', ' ORDER BY k.n)
        FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) || ')'
    || CASE WHEN i.indpred IS NULL THEN '' ELSE ' partial' END
FROM pg_index i JOIN rel ON i.indrelid = rel.oid
WHERE i.indisunique AND i.indisvalid AND i.indexprs IS NULL
"""
"""Every River object of a schema as one text per fact, compared with what this program
uses (supervisor.migrate). Column types are not compared: a widened type (River has only
ever widened) still works."""

STRAY_INDEX = "river_job_kind_unique_key_idx"
"""Civic OS's leftover unique index (supervisor.migrate says why it matters)."""

STRAY = """
SELECT pg_get_indexdef(i.indexrelid),
       t.relname = 'river_job' AND i.indisunique AND am.amname = 'btree' AND i.indexprs IS NULL
       AND ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                 ORDER BY k.n) = ARRAY['kind', 'unique_key']
       AND pg_get_expr(i.indpred, i.indrelid) = '(unique_key IS NOT NULL)'
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_index i ON i.indexrelid = c.oid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_am am ON am.oid = c.relam
WHERE n.nspname = %(schema)s AND c.relname = %(name)s
"""
"""The definition of the index named `%(name)s`, and whether it is exactly Civic OS's."""

DROP_STRAY = "DROP INDEX CONCURRENTLY IF EXISTS {schema}." + STRAY_INDEX

# The opt-in insert trigger (created by notify_trigger.sql) ----------------------------------

DROP_NOTIFY_TRIGGER = "DROP TRIGGER IF EXISTS civic_river_insert_notify ON {schema}.river_job"

DROP_NOTIFY_FUNCTION = "DROP FUNCTION IF EXISTS {schema}.civic_river_insert_notify()"

NOTIFY_TRIGGER_INSTALLED = """
SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relname = 'river_job' AND t.tgname = 'civic_river_insert_notify'
"""

# --- periodic jobs (supervisor/periodic.py): one row per tick, unique as River's inserts are ---

PERIODIC_STATES = "11110101"
"""River's default unique states (available, completed, pending, retryable, running,
scheduled) as the bit(8) that river_job_state_in_bitmask reads: a tick's job is not enqueued
again while one exists in any of them, and again only if it was cancelled or discarded."""

PERIODIC_INSERT = """
INSERT INTO {schema}.river_job
    (args, kind, max_attempts, priority, queue, state, scheduled_at, metadata,
     unique_key, unique_states)
VALUES (%(args)s, %(kind)s, %(max_attempts)s, %(priority)s, %(queue)s, 'available', now(),
        %(metadata)s, %(unique_key)s, %(unique_states)s::bit(8))
ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND unique_states IS NOT NULL
    AND {schema}.river_job_state_in_bitmask(unique_states, state)
DO NOTHING
RETURNING id
"""
