"""Configuration: every key declared once, typed, and loaded from config.yaml and the
environment.

The parent's own keys are fields of the dataclasses below (`setting(...)` carries the
environment names and docs); each worker declares its own sections in its spec
(workers/spec.py). One declaration serves loading, validation, `config.yaml` and
docs/configuration.md (supervisor/config_doc.py generates both; the tests check them).
Environment names are the Civic OS ones, so the Go worker's compose files keep working; the
first name set wins over the file. Any problem is one `ConfigError` naming the key; the CLI
turns it into exit code 78 (EX_CONFIG), which systemd and Kubernetes show as a configuration
failure.
"""

from __future__ import annotations

import dataclasses
import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from supervisor.config_values import PARSERS
from supervisor.river.sql import check_schema_name
from workers.spec import Section, Setting, SettingType, WorkerSpec
from workers.specs import SpecError, installed, load_ref

CLIENT_PREFIX = "civic:"
"""The id form of a civic-supervisor: River's default id never has a colon (deadclients.py)."""
_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")
_TYPES: dict[str, SettingType] = {"str": "str", "int": "int", "bool": "bool", "float": "duration"}
_KEY_OF = {"client_id_setting": "client_id"}
"""Fields named unlike their key: `Config.client_id` is the id in use, derived from this."""
_FIELD_OF = {v: k for k, v in _KEY_OF.items()}


class ConfigError(Exception):
    """Invalid configuration; the message names the key."""


def setting(
    default: Any,
    *env: str,
    doc: str,
    type: SettingType | None = None,
    secret: bool = False,
    choices: tuple[str, ...] = (),
) -> Any:
    """A dataclass field that is also a config key (its type comes from the annotation:
    float means a duration; pass type="size" for byte sizes)."""
    meta = {"env": env, "doc": doc, "type": type, "secret": secret, "choices": choices}
    return field(default=default, metadata={"setting": meta})


def settings_of(cls: type[Any], name: str, doc: str = "") -> Section:
    """The Section a settings dataclass declares."""
    out = []
    for f in dataclasses.fields(cls):
        meta = f.metadata.get("setting")
        if meta is None:
            continue
        kind = meta["type"] or _TYPES[str(f.type)]
        out.append(Setting(_KEY_OF.get(f.name, f.name), kind, f.default, tuple(meta["env"]), meta["secret"],
                           meta["doc"], meta["choices"]))  # fmt: skip
    return Section(name, doc, tuple(out))


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = setting(
        "postgresql://postgres@localhost:5432/civic_os",
        "DATABASE_URL",
        secret=True,
        doc="PostgreSQL URL; only the parent ever sees it",
    )
    schema: str = setting("metadata", "RIVER_SCHEMA", doc="schema of River's tables")
    max_conns: int = setting(
        4, "DB_MAX_CONNS", doc="hard ceiling on sessions, listener included (>= 2)"
    )
    min_conns: int = setting(1, "DB_MIN_CONNS", doc="pooled sessions kept open when idle")
    application_name: str = setting(
        "civic-supervisor",
        "DB_APPLICATION_NAME",
        doc="application_name of every session (listener gets ' listener' appended)",
    )
    listen_url: str = setting(
        "",
        "DB_LISTEN_URL",
        secret=True,
        doc="URL for the LISTEN session only, e.g. to bypass PgBouncer",
    )
    poll_only: bool = setting(False, "DB_POLL_ONLY",
                              doc="no LISTEN session; every connection is pooled (PgBouncer transaction mode)")  # fmt: skip


@dataclass(frozen=True)
class RestartConfig:
    backoff_initial: float = setting(1.0, doc="first restart delay of a dead child")
    backoff_max: float = setting(60.0, doc="restart delay ceiling")
    healthy_after: float = setting(60.0, doc="uptime after which the delay resets")
    max_restarts: int = setting(
        20,
        doc="restarts of one child within restart.window that stop the supervisor (exit 1); 0: never",
    )
    window: float = setting(900.0, doc="window of restart.max_restarts")  # fmt: skip


@dataclass(frozen=True)
class MetricsConfig:
    listen: str = setting("", "METRICS_LISTEN",
                          doc="host:port of /metrics, /healthz, /readyz; empty: off")  # fmt: skip


@dataclass(frozen=True)
class MaintenanceConfig:
    leadership: str = setting(
        "auto",
        "CIVIC_LEADERSHIP",
        choices=("auto", "never"),
        doc="auto: take part in River's leader election; never: leave the leader's maintenance to Go River clients (needed when they define periodic jobs)",
    )
    elect_interval: float = setting(5.0, doc="leader election / re-election period")
    leader_ttl: float = setting(15.0, doc="leadership lifetime without re-election")
    scheduler_interval: float = setting(5.0, doc="promote scheduled/retryable jobs")
    rescuer_interval: float = setting(30.0, doc="look for stuck running jobs")
    rescue_after: float = setting(
        3600.0, doc="a running job older than this is stuck; must exceed every queue's job_timeout"
    )
    dead_client_interval: float = setting(
        5.0, doc="look for running jobs of civic-supervisors that died"
    )
    dead_client_after: float = setting(
        10.0, doc="a civic-supervisor's session lock gone this long means it died"
    )
    cleaner_interval: float = setting(30.0, doc="delete finalized jobs past retention")
    completed_retention: float = setting(86400.0, doc="-1 keeps completed jobs")
    cancelled_retention: float = setting(86400.0, doc="-1 keeps cancelled jobs")
    discarded_retention: float = setting(604800.0, doc="-1 keeps discarded jobs")
    queue_keepalive_interval: float = setting(600.0, doc="river_queue upsert period")
    queue_cleaner_interval: float = setting(3600.0, doc="delete idle river_queue rows")
    queue_retention: float = setting(86400.0, doc="river_queue rows idle this long go")
    periodic_interval: float = setting(1.0, doc="how often the leader looks for due periodic jobs")  # fmt: skip


@dataclass(frozen=True)
class LogConfig:
    level: str = setting(
        "info",
        "LOG_LEVEL",
        choices=("debug", "info", "warning", "error"),
        doc="debug, info, warning or error",
    )
    format: str = setting("text", "LOG_FORMAT", choices=("text", "json"), doc="text or json")  # fmt: skip


@dataclass(frozen=True)
class QueueConfig:
    """One child: `queues.<name>.*`, where a default of None comes from the worker's spec."""

    name: str
    spec: WorkerSpec = field(repr=False)
    worker: str = setting(
        "",
        doc="package.module:attribute of the worker's spec, for a worker not registered as an entry point",
    )
    queue: str = setting(None, doc="River queue the child works")
    max_workers: int = setting(None, doc="worker threads in the child")
    enabled: bool = setting(None, doc="run this child")
    job_timeout: float = setting(None, doc="per-job deadline; 0 or -1: none")
    max_memory: int = setting(
        0, type="size", doc="recycle the child between jobs above this RSS; 0: no limit"
    )
    max_jobs_per_child: int = setting(0, doc="recycle the child after this many jobs; 0: no limit")  # fmt: skip


@dataclass
class Config:
    """The whole configuration. Sections are frozen; a reload (SIGHUP) swaps them whole."""

    client_id_setting: str = setting(
        "",
        "CIVIC_CLIENT_ID",
        doc="River client id; default civic:<hostname>_<start time> (River's form, prefixed)",
    )
    fetch_poll_interval: float = setting(1.0, doc="poll for jobs inserted without NOTIFY")
    fetch_cooldown: float = setting(0.001, doc="shortest gap between two claims of one queue")
    shutdown_timeout: float = setting(10.0, doc="grace for in-flight jobs on SIGTERM")
    heartbeat_timeout: float = setting(10.0, doc="a child silent this long is killed and restarted")
    job_timeout_grace: float = setting(
        10.0, doc="a job thread still stuck this long after its deadline recycles its child"
    )
    child_user: str = setting(
        "", "CIVIC_CHILD_USER", doc="when started as root, run children as this unprivileged user"
    )
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    restart: RestartConfig = field(default_factory=RestartConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    maintenance: MaintenanceConfig = field(default_factory=MaintenanceConfig)
    log: LogConfig = field(default_factory=LogConfig)
    workers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Worker settings sections by name (e.g. workers["s3"]["bucket"]), parsed."""
    queues: dict[str, QueueConfig] = field(default_factory=dict)
    source: str = "<defaults>"
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))  # fmt: skip

    @property
    def schema(self) -> str:
        return self.database.schema

    @property
    def client_id(self) -> str:
        """River's default (host name, dots to `_`, <= 60 chars, and start time) behind a
        `civic:` prefix, a form River never produces, that tells peers this client holds a
        liveness lock (deadclients.py)."""
        if self.client_id_setting:
            return self.client_id_setting
        host = socket.gethostname().replace(".", "_")[:60]
        stamp = f"{host}_{self.started_at.strftime('%Y_%m_%dT%H_%M_%S_%f')}"
        # poll-only mode has no LISTEN session to hold the lock on: no prefix, no fast rescue
        return stamp if self.database.poll_only else f"{CLIENT_PREFIX}{stamp}"

    def child_settings(self, spec: WorkerSpec) -> dict[str, dict[str, Any]]:
        """What a child of `spec` receives: its own sections, plus what its spec derives."""
        out = {s.name: dict(self.workers[s.name]) for s in spec.sections}
        if spec.derive is not None:
            for name, values in spec.derive(self.workers).items():
                out.setdefault(name, {}).update(values)
        return out

    def child_env_names(self, spec: WorkerSpec) -> tuple[str, ...]:
        return spec.child_env(self.workers)

    def enabled_queues(self, only: list[str] | None = None) -> list[QueueConfig]:
        if only:
            unknown = [n for n in only if n not in self.queues]
            if unknown:
                raise ConfigError(
                    f"--only: unknown child {', '.join(unknown)} (known: {', '.join(self.queues)})"
                )
            return [self.queues[n] for n in only]
        return [q for q in self.queues.values() if q.enabled]


PARENT_SECTIONS: dict[str, type[Any]] = {
    "database": DatabaseConfig, "restart": RestartConfig, "metrics": MetricsConfig,
    "maintenance": MaintenanceConfig, "log": LogConfig,
}  # fmt: skip
ROOT = settings_of(Config, "", "the supervisor itself")
QUEUE = settings_of(QueueConfig, "queues.<name>", "one child")


def parent_sections() -> list[Section]:
    """The parent's own keys: the top-level ones, then each section."""
    return [ROOT] + [settings_of(cls, name) for name, cls in PARENT_SECTIONS.items()]


def worker_sections(specs: Mapping[str, WorkerSpec]) -> dict[str, Section]:
    """Every settings section the given workers declare, by name; one name, one section."""
    out: dict[str, Section] = {}
    for spec in specs.values():
        for section in spec.sections:
            if (
                section.name in PARENT_SECTIONS
                or section.name == "queues"
                or any(s.key == section.name for s in ROOT.settings)
            ):
                raise ConfigError(f"worker {spec.name}: section {section.name!r} is the parent's")
            known = out.setdefault(section.name, section)
            if known != section:
                raise ConfigError(
                    f"worker {spec.name}: section {section.name!r} differs from another "
                    "worker's section of that name (share one Section object)"
                )
    return out


def env_names() -> set[str]:
    """Every environment name any key reads (the parent's and every installed worker's): what
    a tool starting a supervisor of its own must scrub from its environment."""
    specs = installed()
    sections = parent_sections() + list(worker_sections(specs).values())
    names = {n for section in sections for s in section.settings for n in s.env}
    return names | {n for spec in specs.values() for n in spec.queue_env.values()}


def expand(text: str, env: Mapping[str, str]) -> str:
    """`${VAR}` (empty when unset), `${VAR:-default}` (default when unset or empty), `$$`."""

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        value = env.get(m.group(1), "")
        return value if value or m.group(2) is None else m.group(2)

    return _VAR.sub(sub, text)


def _expand_all(value: Any, env: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return expand(value, env)
    if isinstance(value, dict):
        return {k: _expand_all(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_all(v, env) for v in value]
    return value


def _path(section: str, key: str) -> str:
    return f"{section}.{key}" if section else key


def parse_section(
    section: Section, given: Mapping[str, Any], env: Mapping[str, str], where: str = ""
) -> dict[str, Any]:
    """Every key of `section`: the first environment name set, else the file, else the
    default; parsed and checked. `where` prefixes key names in errors."""
    where = where or section.name
    unknown = sorted(set(given) - {s.key for s in section.settings})
    if unknown:
        raise ConfigError(f"{_path(where, unknown[0])}: unknown key")
    out: dict[str, Any] = {}
    for s in section.settings:
        raw = next((env[n] for n in s.env if env.get(n, "") != ""), given.get(s.key))
        if raw is None:
            out[s.key] = s.default
            continue
        try:
            value = PARSERS[s.type](raw)
        except ValueError as exc:
            raise ConfigError(f"{_path(where, s.key)}: {exc}") from None
        if s.choices and value not in s.choices:
            raise ConfigError(f"{_path(where, s.key)}: must be one of {', '.join(s.choices)}")
        out[s.key] = value
    return out


def _mapping(value: Any, path: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: must be a mapping")
    return value


def load(path: str | Path | None, env: Mapping[str, str] | None = None) -> Config:
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = yaml.safe_load(Path(path).read_text()) or {}
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path} is not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: the top level must be a mapping of keys")
    data = _expand_all(data, env)
    raw_queues = _mapping(data.pop("queues", None), "queues")
    specs = _specs(raw_queues)
    sections = worker_sections(specs)
    root_given = {k: v for k, v in data.items() if k not in PARENT_SECTIONS and k not in sections}
    root = parse_section(ROOT, root_given, env)
    cfg = Config(
        **{_FIELD_OF.get(k, k): v for k, v in root.items()},
        **{
            name: cls(**parse_section(settings_of(cls, name), _mapping(data.get(name), name), env))
            for name, cls in PARENT_SECTIONS.items()
        },
        workers={n: parse_section(s, _mapping(data.get(n), n), env) for n, s in sections.items()},
        source=str(path or "<defaults>"),
    )
    cfg.queues = _queues(raw_queues, specs, env)
    _validate(cfg)
    return cfg


NEEDS_RESTART = ("database", "client_id_setting", "metrics", "child_user")
"""What belongs to the parent's sessions or identity: a reload keeps the running values."""


def reload(cfg: Config) -> list[str]:
    """SIGHUP: read `cfg.source` again and update `cfg` in place (everyone shares it), keeping
    what needs a full restart. Returns the kept keys that changed; ConfigError if invalid."""
    fresh = load(None if cfg.source == "<defaults>" else cfg.source)
    kept = [_KEY_OF.get(n, n) for n in NEEDS_RESTART if getattr(fresh, n) != getattr(cfg, n)]
    for f in dataclasses.fields(Config):
        if f.name not in NEEDS_RESTART and f.name not in ("source", "started_at"):
            setattr(cfg, f.name, getattr(fresh, f.name))
    return kept


def _specs(raw_queues: Mapping[str, Any]) -> dict[str, WorkerSpec]:
    """Installed workers, plus those config.yaml names by reference."""
    try:
        specs = installed()
        for name, given in raw_queues.items():
            ref = given.get("worker") if isinstance(given, dict) else None
            if ref:
                if not isinstance(ref, str):
                    raise ConfigError(f"queues.{name}.worker: must be package.module:attribute")
                specs[name] = load_ref(ref, name)
    except SpecError as exc:
        raise ConfigError(f"workers: {exc}") from None
    return specs


def _queues(
    raw: Mapping[str, Any], specs: Mapping[str, WorkerSpec], env: Mapping[str, str]
) -> dict[str, QueueConfig]:
    unknown = sorted(set(raw) - set(specs))
    if unknown:
        raise ConfigError(f"queues.{unknown[0]}: unknown child (known: {', '.join(specs)})")
    out: dict[str, QueueConfig] = {}
    for name, spec in specs.items():
        given = _mapping(raw.get(name), f"queues.{name}")
        section = dataclasses.replace(
            QUEUE,
            settings=tuple(_queue_setting(s, spec) for s in QUEUE.settings),
        )
        vals = parse_section(section, given, env, where=f"queues.{name}")
        q = QueueConfig(name=name, spec=spec, **vals)
        if q.max_workers < 1:
            raise ConfigError(f"queues.{name}.max_workers: must be at least 1")
        if not q.queue or len(q.queue) > 127:
            raise ConfigError(f"queues.{name}.queue: must be 1 to 127 characters")
        out[name] = q
    return out


def _queue_setting(s: Setting, spec: WorkerSpec) -> Setting:
    """A `queues.<name>.*` key with the worker's defaults and environment names filled in."""
    env = (spec.queue_env[s.key],) if s.key in spec.queue_env else ()
    return dataclasses.replace(s, default=spec.queue_defaults().get(s.key, s.default), env=env)


def _validate(cfg: Config) -> None:
    try:
        check_schema_name(cfg.database.schema)
    except ValueError as exc:
        raise ConfigError(f"database.schema: {exc}") from None
    db = cfg.database
    if db.max_conns < 2:
        raise ConfigError("database.max_conns: must be at least 2 (1 listener + 1 pooled)")
    if not 0 <= db.min_conns <= db.max_conns:
        raise ConfigError("database.min_conns: must be between 0 and database.max_conns")
    if not db.url:
        raise ConfigError("database.url: required (or set DATABASE_URL)")
    positive = {
        "fetch_poll_interval": cfg.fetch_poll_interval,
        "shutdown_timeout": cfg.shutdown_timeout,
        "heartbeat_timeout": cfg.heartbeat_timeout,
        "maintenance.dead_client_after": cfg.maintenance.dead_client_after,
        "maintenance.periodic_interval": cfg.maintenance.periodic_interval,
    }
    for path, value in positive.items():
        if value <= 0:
            raise ConfigError(f"{path}: must be positive")
    for q in cfg.queues.values():
        for job in q.spec.periodic:
            if job.every <= 0:
                raise ConfigError(f"queues.{q.name}: periodic job {job.kind} every must be > 0")
    _check_rescue_after(cfg.maintenance.rescue_after, cfg.queues)


def _check_rescue_after(rescue_after: float, queues: dict[str, QueueConfig]) -> None:
    """A job still inside its deadline is not stuck: a rescuer that thought so would run it
    a second time beside the first (River ties the two the same way)."""
    for q in queues.values():
        if q.job_timeout > 0 and rescue_after <= q.job_timeout:
            raise ConfigError(
                f"maintenance.rescue_after: {rescue_after:g}s must be longer than "
                f"queues.{q.name}.job_timeout ({q.job_timeout:g}s)"
            )


__all__ = [
    "Config",
    "ConfigError",
    "DatabaseConfig",
    "LogConfig",
    "MaintenanceConfig",
    "MetricsConfig",
    "QueueConfig",
    "RestartConfig",
    "expand",
    "load",
    "parent_sections",
    "parse_section",
    "worker_sections",
]
