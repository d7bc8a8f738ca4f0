"""`civic-supervisor status`: what the queues and the supervisors on this schema are doing.

The queues and supervisors come from the database (one short session; the same queue-depth
query feeds the parent's `civic_supervisor_queue_jobs` gauge). The children of this host's
instance, and why one is down (a crash loop shows its startup error), come from its /readyz
when `metrics.listen` is set: only the parent knows them.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg

from supervisor.config import Config
from supervisor.deadclients import LOCK_CLASS
from supervisor.health_http import ask
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


def instance(cfg: Config) -> dict[str, Any] | None:
    """This host's running supervisor as its /readyz tells it; None without metrics.listen."""
    listen = cfg["metrics.listen"]
    if not listen:
        return None
    try:
        code, body = ask(listen, "/readyz")
    except (OSError, ValueError) as exc:
        return {"listen": listen, "reachable": False, "error": str(exc)}
    return {"listen": listen, "reachable": True, "ready": code == 200, **body}


def _render_instance(inst: dict[str, Any] | None) -> list[str]:
    if inst is None:
        return ["\nthis host's instance: unknown (metrics.listen is not set)"]
    if not inst["reachable"]:
        return [f"\nthis host's instance on {inst['listen']}: not reachable ({inst['error']})"]
    state = "ready" if inst["ready"] else f"NOT READY: {inst['detail']}"
    out = [f"\nthis host's instance on {inst['listen']}: {state}",
           f"  {'child':<15}{'state':<10}{'pid':>8}{'restarts':>10}{'busy':>9}  last exit"]  # fmt: skip
    for c in inst.get("children", []):
        busy = f"{c['busy']}/{c['max_workers']}"
        out.append(f"  {c['name']:<15}{c['state']:<10}{c['pid'] or '-':>8}{c['restarts']:>10}"
                   f"{busy:>9}  {c['last_exit'] or '-'}")  # fmt: skip
    return out


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
    out += _render_instance(data["instance"])
    return "\n".join(out)


def run_status(cfg: Config, as_json: bool) -> int:
    inst = instance(cfg)
    try:
        with psycopg.connect(cfg["database.url"], autocommit=True, connect_timeout=10,
                             application_name=cfg["database.application_name"] + " status") as conn:  # fmt: skip
            data = collect(conn, cfg.schema)
    except psycopg.Error as exc:
        print(f"status: database error: {redact_url(str(exc)).strip()}")
        print("\n".join(_render_instance(inst)).strip())
        return 1
    data["instance"] = inst
    print(json.dumps(data, indent=2, default=str) if as_json else render(data))
    return 0
