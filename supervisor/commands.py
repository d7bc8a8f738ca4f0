"""The one-shot commands: `migrate` and `check`. Each uses a single short-lived session."""

from __future__ import annotations

import json

import psycopg

from supervisor import notify_trigger
from supervisor.child_user import check_user
from supervisor.config import Config
from supervisor.health_http import ask
from supervisor.migrate import (
    LATEST,
    STRAY_EFFECT,
    STRAY_SHAPE,
    MigrationError,
    drop_stray_index,
    migrate,
    schema_status,
    stray_index,
)
from supervisor.redact import redact_url
from supervisor.river.sql import STRAY_INDEX
from workers.specs import BUILTIN


def _connect(cfg: Config) -> psycopg.Connection:
    return psycopg.connect(
        cfg.database.url, autocommit=True, connect_timeout=10,
        application_name=cfg.database.application_name + " admin",
    )  # fmt: skip


def migrate_command(cfg: Config, trigger: str | None = None, drop_stray: bool = False) -> int:
    """`trigger`: "install" or "remove" the opt-in insert trigger after migrating; `drop_stray`:
    drop Civic OS's leftover unique index. Exit 0 when the supervisor can start on the result,
    so `migrate && civic-supervisor` fails at the first step with the reason."""
    try:
        with _connect(cfg) as conn:
            result = migrate(conn, cfg.schema)
            if trigger == "install":
                notify_trigger.install(conn, cfg.schema)
            elif trigger == "remove":
                notify_trigger.remove(conn, cfg.schema)
            dropped = drop_stray_index(conn, cfg.schema) if drop_stray else False
            status = schema_status(conn, cfg.schema)
    except MigrationError as exc:
        print(f"migrate: {exc}")
        return 1
    except psycopg.Error as exc:
        print(f"migrate: database error: {redact_url(str(exc))}")
        return 1
    if result.applied:
        steps = ", ".join(f"{v:03d}" for v in result.applied)
        print(
            f'migrate: "{cfg.schema}" upgraded from version {result.before} to {LATEST} (applied {steps})'
        )
    elif result.newer:
        print(
            f'migrate: "{cfg.schema}" is at version {result.before}, newer than the {LATEST} this '
            "civic-supervisor knows; nothing to do (migrate never downgrades)"
        )
    else:
        print(f'migrate: "{cfg.schema}" is already at version {result.before}; nothing to do')
    if trigger:
        verb = "installed" if trigger == "install" else "removed"
        print(f"migrate: insert trigger {notify_trigger.TRIGGER} {verb}")
    if drop_stray:
        print(
            f"migrate: stray index {STRAY_INDEX} dropped"
            if dropped
            else f"migrate: no stray index {STRAY_INDEX}; nothing to drop"
        )
    if status.refusal:
        print(f"migrate: civic-supervisor cannot start on it: {status.refusal}")
        return 1
    if status.warning:
        print(f"migrate: {status.warning}")
    return 0


def _show(conn: psycopg.Connection[tuple[object, ...]], name: str) -> str:
    row = conn.execute(f"SHOW {name}").fetchone()
    return str(row[0]) if row else ""


def check_command(cfg: Config, only: list[str] | None) -> int:
    """Exit 1 on a problem (the supervisor would not start or not work); WARNING lines
    (a newer schema it can use, Civic OS's stray index) do not change the exit code."""
    problems: list[str] = []
    warnings: list[str] = []
    print(f"config: {cfg.source}: valid")
    print(f"database: {redact_url(cfg.database.url)}")
    try:
        with _connect(cfg) as conn:
            server = _show(conn, "server_version")
            print(f"  reachable: PostgreSQL {server}")
            status = schema_status(conn, cfg.schema)
            print(f'  River schema "{cfg.schema}": version {status.version}')
            if status.refusal:
                problems.append(status.refusal)
            if status.warning:
                warnings.append(status.warning)
            stray = stray_index(conn, cfg.schema)
            if stray is not None and stray.matches:
                warnings.append(f'index "{cfg.schema}".{STRAY_EFFECT}')
            elif stray is not None:
                warnings.append(
                    f'index "{cfg.schema}".{STRAY_INDEX} is not Civic OS\'s leftover ({STRAY_SHAPE}) '
                    f"but {stray.definition}: unknown to civic-supervisor, which leaves it alone"
                )
            limit = int(_show(conn, "max_connections"))
            print(f"  budget: {cfg.database.max_conns} of the server's {limit} connections")
    except Exception as exc:  # noqa: BLE001 - reported, then a non-zero exit
        problems.append(f"database: {redact_url(str(exc)).strip()}")
    if user_problem := check_user(cfg.child_user):
        problems.append(user_problem)
    print("children:")
    for q in cfg.enabled_queues(only):
        source = q.worker or ("built-in" if q.spec in BUILTIN else "entry point")
        print(f"  {q.name}: queue {q.queue}, kinds {', '.join(q.spec.kinds)}, {q.max_workers} "
              f"workers, job timeout {q.job_timeout:g}s ({source})")  # fmt: skip
    for warning in warnings:
        print(f"WARNING: {warning}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


def health_command(cfg: Config) -> int:
    """For container HEALTHCHECKs: ask a running instance's /healthz (needs metrics.listen)."""
    if not cfg.metrics.listen:
        print("health: metrics.listen is not set, so there is no /healthz to ask")
        return 1
    try:
        code, body = ask(cfg.metrics.listen, "/healthz")
    except (OSError, ValueError) as exc:
        print(f"health: {exc}")
        return 1
    print(json.dumps(body))
    return 0 if code == 200 else 1
