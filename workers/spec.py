"""The worker contract: what a worker declares about itself, read by the parent without
importing worker code.

A worker is a package with an import-light spec module (this module's types only) and a
handlers module imported only inside its child. The parent runs only the statements a spec
registers, hands the child only the settings sections and environment it declares, and
enqueues its periodic jobs when leader: least privilege is decided here, in code the child
cannot change. Built-in workers and workers from other packages (entry-point group
`civic_supervisor.workers`, or `queues.<name>.worker` in config.yaml) are declared the same
way and run the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

SettingType = Literal["str", "int", "bool", "duration", "size"]
"""How a value is written: durations as `500ms`/`10s`/`5m`/`1h`/`7d` (seconds, float),
sizes as `50MB`/`50MiB`/bytes (int), booleans as Go's strconv.ParseBool accepts them."""

AWS_CREDENTIAL_CHAIN = (
    "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_EC2_METADATA_DISABLED",
    "AWS_STS_REGIONAL_ENDPOINTS",
)  # fmt: skip
"""What boto3's default credential chain (IAM roles) reads: `env` for workers that use AWS."""

Settings = Mapping[str, Mapping[str, Any]]
"""Parsed settings by section name, then key (e.g. settings["s3"]["bucket"])."""


@dataclass(frozen=True)
class Setting:
    key: str
    type: SettingType
    default: Any
    env: tuple[str, ...] = ()
    """Environment names that override the file; the first one set wins."""
    secret: bool = False
    """Never logged or shown by `check`; sent only to the children whose spec names the
    section."""
    doc: str = ""
    choices: tuple[str, ...] = ()
    """Allowed values of a "str" setting; anything else is a configuration error."""


@dataclass(frozen=True)
class Section:
    """A top-level config.yaml mapping of settings (e.g. `s3:`). Two workers may share one
    (presign and thumbnails both read `s3`) by naming the same Section object."""

    name: str
    doc: str
    settings: tuple[Setting, ...]


@dataclass(frozen=True)
class PeriodicJob:
    """A job the leader inserts every `every` seconds, as River's PeriodicJobEnqueuer does.

    Ticks are multiples of `every` since the Unix epoch, so every supervisor computes the same
    ones, and each insert is unique per tick: a new leader, or two of them during a handover,
    never enqueues one tick twice."""

    kind: str
    every: float
    args: Mapping[str, Any] = field(default_factory=dict)
    offset: float = 0.0
    """Seconds after each multiple of `every` that the tick starts (e.g. 3 h for a daily
    job at 03:00 UTC)."""
    queue: str | None = None
    """Default: the queue the worker is configured to work."""
    max_attempts: int = 25
    priority: int = 1


@dataclass(frozen=True)
class WorkerSpec:
    name: str
    """Child name, also its key under `queues:` in config.yaml (e.g. "presign")."""
    queue: str
    """Default River queue the child works (e.g. "s3_signer")."""
    kinds: tuple[str, ...]
    """The job kinds its handlers serve; the child refuses to start if they differ."""
    max_workers: int
    """Default number of worker threads."""
    handlers: str
    """"module:attribute" imported only inside the child: either a dict kind -> handler, or a
    callable `(settings) -> dict` that builds long-lived clients (S3, SMTP) once per child;
    raising there is a clear startup error."""
    statements: Mapping[str, str] = field(default_factory=dict)
    """Registered SQL by name. `{schema}` is replaced by the quoted River schema; parameters
    are psycopg named placeholders `%(name)s`, always bound, never formatted."""
    sections: tuple[Section, ...] = ()
    """The settings sections the child receives, and the only ones."""
    env: tuple[str, ...] | Callable[[Settings], Iterable[str]] = ()
    """Environment variables passed through to the child beyond the base allowlist, or a
    function of the settings that names them (e.g. AWS variables only when SES is chosen)."""
    derive: Callable[[Settings], Settings] | None = None
    """Values the child needs that are computed from settings it does not receive (e.g. a
    public base URL from S3 settings, without the S3 keys): merged into its sections."""
    periodic: tuple[PeriodicJob, ...] = ()
    queue_env: Mapping[str, str] = field(default_factory=dict)
    """Environment names of `queues.<name>.*` keys (e.g. {"max_workers": "..."})."""
    enabled: bool = True
    """Whether the child runs when config.yaml does not say."""
    job_timeout: float = 60.0
    """Default per-job deadline in seconds (River's default, 1 min); 0: none."""
    doc: str = ""
    """One line for the configuration reference: what the worker does."""

    def queue_defaults(self) -> dict[str, Any]:
        """The `queues.<name>.*` defaults this worker sets."""
        return {"queue": self.queue, "max_workers": self.max_workers, "enabled": self.enabled,
                "job_timeout": self.job_timeout}  # fmt: skip

    def child_env(self, settings: Settings) -> tuple[str, ...]:
        return tuple(self.env(settings) if callable(self.env) else self.env)
