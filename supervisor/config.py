"""Load config.yaml: `${VAR}` expansion, Civic OS environment overrides, validation.

Any problem is one `ConfigError` naming the key and what is wrong; the CLI turns it into
exit code 78 (EX_CONFIG), which systemd and Kubernetes show as a configuration failure.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from supervisor.config_keys import BY_PATH, KEYS, QUEUE_ENV, QUEUE_KEYS, WORKER_SECTIONS
from supervisor.river.sql import check_schema_name
from workers.spec import WorkerSpec
from workers.specs import SPECS

CLIENT_PREFIX = "civic:"
"""The id form of a civic-supervisor: River's default id never has a colon (deadclients.py)."""
_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


class ConfigError(Exception):
    """Invalid configuration; the message names the key."""


@dataclass(frozen=True)
class QueueConfig:
    name: str
    queue: str
    max_workers: int
    enabled: bool
    job_timeout: float
    max_memory: int
    max_jobs_per_child: int
    spec: WorkerSpec


@dataclass
class Config:
    values: dict[str, Any]
    """Every key of config_keys.KEYS by dotted path, parsed, defaults filled."""
    queues: dict[str, QueueConfig]
    source: str = "<defaults>"
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __getitem__(self, path: str) -> Any:
        return self.values[path]

    @property
    def schema(self) -> str:
        return self.values["database.schema"]

    @property
    def client_id(self) -> str:
        """River's default (host name, dots to `_`, <= 60 chars, and start time) behind a
        `civic:` prefix, a form River never produces, that tells peers this client holds a
        liveness lock (deadclients.py)."""
        if self.values["client_id"]:
            return self.values["client_id"]
        host = socket.gethostname().replace(".", "_")[:60]
        stamp = f"{host}_{self.started_at.strftime('%Y_%m_%dT%H_%M_%S_%f')}"
        # poll-only mode has no LISTEN session to hold the lock on: no prefix, no fast rescue
        return stamp if self.values["database.poll_only"] else f"{CLIENT_PREFIX}{stamp}"

    def section(self, name: str) -> dict[str, Any]:
        """A worker settings section (e.g. "s3") as the child receives it."""
        prefix = name + "."
        out = {p[len(prefix) :]: v for p, v in self.values.items() if p.startswith(prefix)}
        if name == "notifications":
            base = (self.values["s3.public_endpoint"] or self.values["s3.endpoint"]).rstrip("/")
            out["static_asset_base"] = f"{base}/{self.values['s3.bucket']}" if base else ""
        return out

    def enabled_queues(self, only: list[str] | None = None) -> list[QueueConfig]:
        if only:
            unknown = [n for n in only if n not in self.queues]
            if unknown:
                raise ConfigError(
                    f"--only: unknown child {', '.join(unknown)} (known: {', '.join(self.queues)})"
                )
            return [self.queues[n] for n in only]
        return [q for q in self.queues.values() if q.enabled]


def expand(text: str, env: Mapping[str, str]) -> str:
    """`${VAR}` (empty when unset), `${VAR:-default}` (default when unset or empty), `$$`."""

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        value = env.get(m.group(1), "")
        return value if value or m.group(2) is None else m.group(2)

    return _VAR.sub(sub, text)


def _flatten(data: Any, prefix: str, out: dict[str, Any]) -> None:
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and path not in BY_PATH:
            _flatten(value, path + ".", out)
        else:
            out[path] = value


def _expand_all(value: Any, env: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return expand(value, env)
    if isinstance(value, dict):
        return {k: _expand_all(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_all(v, env) for v in value]
    return value


def _parse(path: str, parser: Any, raw: Any) -> Any:
    try:
        return parser(raw)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None


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
    raw_queues = data.pop("queues", None) or {}
    flat: dict[str, Any] = {}
    _flatten(data, "", flat)
    unknown = sorted(set(flat) - set(BY_PATH))
    if unknown:
        raise ConfigError(f"{unknown[0]}: unknown key")
    values: dict[str, Any] = {}
    for key in KEYS:
        raw = next((env[n] for n in key.env if env.get(n, "") != ""), flat.get(key.path))
        values[key.path] = key.default if raw is None else _parse(key.path, key.parse, raw)
    _validate(values)
    queues = _queues(raw_queues, env)
    _check_rescue_after(values["maintenance.rescue_after"], queues)
    return Config(values, queues, source=str(path or "<defaults>"))


def _validate(v: dict[str, Any]) -> None:
    try:
        check_schema_name(v["database.schema"])
    except ValueError as exc:
        raise ConfigError(f"database.schema: {exc}") from None
    if v["database.max_conns"] < 2:
        raise ConfigError("database.max_conns: must be at least 2 (1 listener + 1 pooled)")
    if not 0 <= v["database.min_conns"] <= v["database.max_conns"]:
        raise ConfigError("database.min_conns: must be between 0 and database.max_conns")
    if not v["database.url"]:
        raise ConfigError("database.url: required (or set DATABASE_URL)")
    if v["log.format"] not in ("text", "json"):
        raise ConfigError("log.format: must be text or json")
    if v["log.level"].upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("log.level: must be debug, info, warning or error")
    if v["email.transport"] not in ("smtp", "ses"):
        raise ConfigError("email.transport: must be smtp or ses")
    for path in ("fetch_poll_interval", "shutdown_timeout", "heartbeat_timeout",
                 "maintenance.dead_client_after"):  # fmt: skip
        if v[path] <= 0:
            raise ConfigError(f"{path}: must be positive")
    if v["maintenance.leadership"] not in ("auto", "never"):
        raise ConfigError("maintenance.leadership: must be auto or never")


def _check_rescue_after(rescue_after: float, queues: dict[str, QueueConfig]) -> None:
    """A job still inside its deadline is not stuck: a rescuer that thought so would run it
    a second time beside the first (River ties the two too, spec/RIVER_REVIEW.md §2.5)."""
    for q in queues.values():
        if q.job_timeout > 0 and rescue_after <= q.job_timeout:
            raise ConfigError(
                f"maintenance.rescue_after: {rescue_after:g}s must be longer than "
                f"queues.{q.name}.job_timeout ({q.job_timeout:g}s)"
            )


def _queues(raw: Any, env: Mapping[str, str]) -> dict[str, QueueConfig]:
    if not isinstance(raw, dict):
        raise ConfigError("queues: must be a mapping of child name to settings")
    unknown = sorted(set(raw) - set(SPECS))
    if unknown:
        raise ConfigError(f"queues.{unknown[0]}: unknown child (known: {', '.join(SPECS)})")
    out: dict[str, QueueConfig] = {}
    for name, spec in SPECS.items():
        given = raw.get(name) or {}
        if not isinstance(given, dict):
            raise ConfigError(f"queues.{name}: must be a mapping")
        bad = sorted(set(given) - {k.path for k in QUEUE_KEYS})
        if bad:
            raise ConfigError(f"queues.{name}.{bad[0]}: unknown key")
        for var, (child, key) in QUEUE_ENV.items():
            if child == name and env.get(var, ""):
                given = {**given, key: env[var]}
        defaults = {"queue": spec.queue, "max_workers": spec.max_workers, "enabled": spec.enabled}
        vals = {}
        for key in QUEUE_KEYS:
            raw_value = given.get(key.path)
            default = defaults.get(key.path, key.default)
            vals[key.path] = (
                default
                if raw_value is None
                else _parse(f"queues.{name}.{key.path}", key.parse, raw_value)
            )
        if vals["max_workers"] < 1:
            raise ConfigError(f"queues.{name}.max_workers: must be at least 1")
        if not vals["queue"] or len(vals["queue"]) > 127:
            raise ConfigError(f"queues.{name}.queue: must be 1 to 127 characters")
        out[name] = QueueConfig(name=name, spec=spec, **vals)
    return out


__all__ = ["WORKER_SECTIONS", "Config", "ConfigError", "QueueConfig", "expand", "load"]
