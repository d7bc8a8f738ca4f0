"""`civic-supervisor status`: what the queues and the supervisors on this schema are doing.

The queues and supervisors come from the database (one short session). The children of this
host's instance, and why one is down (a crash loop shows its startup error), come from its
/readyz when `metrics.listen` is set: only the parent knows them.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg

from supervisor.config import Config
from supervisor.health_http import ask
from supervisor.redact import redact_url
from supervisor.river import sql


def collect(conn: psycopg.Connection, schema: str) -> dict[str, Any]:
    def rows(template: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        cur = conn.execute(sql.render(template, schema), params or {})
        names = [d.name for d in cur.description or ()]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    leader = conn.execute(sql.render(sql.LEADER, schema)).fetchone()
    clients = rows(sql.CLIENTS, {"cls": sql.LOCK_CLASS})
    for c in clients:
        c["running"] = c["running"] - (1 if c["leader"] else 0)  # the UNION counted the leader row
    return {
        "queues": rows(sql.QUEUE_COUNTS),
        "leader": leader[0] if leader else None,
        "clients": clients,
        "connections": [
            {"application_name": a, "count": n} for a, n in conn.execute(sql.CONNECTIONS)
        ],
    }


def instance(cfg: Config) -> dict[str, Any] | None:
    """This host's running supervisor as its /readyz tells it; None without metrics.listen."""
    listen = cfg.metrics.listen
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
        with psycopg.connect(cfg.database.url, autocommit=True, connect_timeout=10,
                             application_name=cfg.database.application_name + " status") as conn:  # fmt: skip
            data = collect(conn, cfg.schema)
    except psycopg.Error as exc:
        print(f"status: database error: {redact_url(str(exc)).strip()}")
        print("\n".join(_render_instance(inst)).strip())
        return 1
    data["instance"] = inst
    print(json.dumps(data, indent=2, default=str) if as_json else render(data))
    return 0
