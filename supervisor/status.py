"""`civic-supervisor status`: what the queues and the supervisors on this schema are doing.

Reads the database only (one short session); the same queue-depth query feeds the parent's
`civic_supervisor_queue_jobs` gauge.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg

from supervisor.config import Config
from supervisor.deadclients import LOCK_CLASS
from supervisor.migrate import qualified
from supervisor.redact import redact_url

QUEUE_DEPTH_SQL = """
SELECT queue, state::text, count(*) FROM {s}river_job
WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending')
GROUP BY 1, 2
"""

QUEUES_SQL = """
SELECT queue,
       count(*) FILTER (WHERE state = 'available') AS available,
       count(*) FILTER (WHERE state = 'running') AS running,
       count(*) FILTER (WHERE state = 'retryable') AS retryable,
       count(*) FILTER (WHERE state = 'scheduled') AS scheduled,
       count(*) FILTER (WHERE state = 'discarded' AND finalized_at > now() - interval '24 hours')
           AS discarded_24h,
       coalesce(extract(epoch FROM now() - min(scheduled_at)
           FILTER (WHERE state = 'available' AND scheduled_at <= now())), 0)::float8 AS oldest_available_s
FROM {s}river_job GROUP BY queue ORDER BY queue
"""

CLIENTS_SQL = """
SELECT c.client, count(*) AS running,
       EXISTS (SELECT 1 FROM {s}river_leader l WHERE l.leader_id = c.client) AS leader,
       EXISTS (SELECT 1 FROM pg_locks k WHERE k.locktype = 'advisory' AND k.granted
               AND k.objsubid = 2 AND k.classid = %(cls)s::oid
               AND k.objid::bigint = (hashtext(c.client)::bigint & 4294967295)) AS lock_held
FROM (SELECT attempted_by[array_length(attempted_by, 1)] AS client FROM {s}river_job
      WHERE state = 'running'
      UNION ALL SELECT leader_id FROM {s}river_leader) c
GROUP BY c.client ORDER BY c.client
"""

CONNECTIONS_SQL = """
SELECT coalesce(application_name, ''), count(*) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1 ORDER BY 1
"""


def collect(conn: psycopg.Connection, schema: str) -> dict[str, Any]:
    s = qualified(schema)

    def rows(sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        cur = conn.execute(sql.format(s=s), params or {})
        names = [d.name for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    leader = conn.execute(f"SELECT leader_id FROM {s}river_leader").fetchone()
    clients = rows(CLIENTS_SQL, {"cls": LOCK_CLASS})
    for c in clients:
        c["running"] = c["running"] - (1 if c["leader"] else 0)  # the UNION counted the leader row
    return {
        "queues": rows(QUEUES_SQL),
        "leader": leader[0] if leader else None,
        "clients": clients,
        "connections": [
            {"application_name": a, "count": n} for a, n in conn.execute(CONNECTIONS_SQL)
        ],
    }


def render(data: dict[str, Any]) -> str:
    out = [f"{'queue':<16}{'available':>10}{'running':>9}{'retryable':>10}{'scheduled':>10}"
           f"{'discarded 24h':>15}{'oldest available':>18}"]  # fmt: skip
    for q in data["queues"]:
        out.append(f"{q['queue']:<16}{q['available']:>10}{q['running']:>9}{q['retryable']:>10}"
                   f"{q['scheduled']:>10}{q['discarded_24h']:>15}{q['oldest_available_s']:>17.1f}s")  # fmt: skip
    out.append(f"\nleader: {data['leader'] or '(none)'}")
    for c in data["clients"]:
        alive = "alive" if c["lock_held"] else "no liveness lock"
        out.append(
            f"  client {c['client']}: {c['running']} running, {alive}{', leader' if c['leader'] else ''}"
        )
    out.append("\nconnections:")
    out += [f"  {c['application_name'] or '(none)'}: {c['count']}" for c in data["connections"]]
    return "\n".join(out)


def run_status(cfg: Config, as_json: bool) -> int:
    try:
        with psycopg.connect(cfg["database.url"], autocommit=True, connect_timeout=10,
                             application_name=cfg["database.application_name"] + " status") as conn:  # fmt: skip
            data = collect(conn, cfg.schema)
    except psycopg.Error as exc:
        print(f"status: database error: {redact_url(str(exc)).strip()}")
        return 1
    print(json.dumps(data, indent=2, default=str) if as_json else render(data))
    return 0
