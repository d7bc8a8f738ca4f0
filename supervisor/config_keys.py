"""Every config key: its parser, default and the environment names that override it.

One table serves loading, validation, the `config.yaml` example and the README reference, so a
key cannot exist in one and be missing from the others (tests/test_config.py checks this).
Environment names are the Civic OS ones, so the Go worker's compose files keep working; the
first name set wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from supervisor.values import (
    parse_bool,
    parse_duration,
    parse_int,
    parse_size,
    parse_str,
)


@dataclass(frozen=True)
class Key:
    path: str
    parse: Callable[[object], Any]
    default: Any
    env: tuple[str, ...] = ()
    secret: bool = False
    doc: str = ""


def _k(path: str, parse: Callable[[object], Any], default: Any, *env: str, **kw: Any) -> Key:
    return Key(path, parse, default, tuple(env), **kw)


S, N, B, D, Z = parse_str, parse_int, parse_bool, parse_duration, parse_size

KEYS: list[Key] = [
    # --- the parent and River ---
    _k("database.url", S, "postgresql://postgres@localhost:5432/civic_os", "DATABASE_URL",
       secret=True, doc="PostgreSQL URL; only the parent ever sees it"),
    _k("database.schema", S, "metadata", "RIVER_SCHEMA", doc="schema of River's tables"),
    _k("database.max_conns", N, 4, "DB_MAX_CONNS",
       doc="hard ceiling on sessions, listener included (>= 2)"),
    _k("database.min_conns", N, 1, "DB_MIN_CONNS", doc="pooled sessions kept open when idle"),
    _k("database.application_name", S, "civic-supervisor", "DB_APPLICATION_NAME",
       doc="application_name of every session (listener gets ' listener' appended)"),
    _k("database.listen_url", S, "", "DB_LISTEN_URL", secret=True,
       doc="URL for the LISTEN session only, e.g. to bypass PgBouncer"),
    _k("database.poll_only", B, False, "DB_POLL_ONLY",
       doc="no LISTEN session; every connection is pooled (PgBouncer transaction mode)"),
    _k("client_id", S, "", "CIVIC_CLIENT_ID",
       doc="River client id; default <hostname>_<start time> as River does"),
    _k("fetch_poll_interval", D, 1.0, doc="poll for jobs inserted without NOTIFY"),
    _k("fetch_cooldown", D, 0.001, doc="shortest gap between two claims of one queue"),
    _k("shutdown_timeout", D, 10.0, doc="grace for in-flight jobs on SIGTERM"),
    _k("heartbeat_timeout", D, 10.0, doc="a child silent this long is killed and restarted"),
    _k("job_timeout_grace", D, 10.0,
       doc="a job thread still stuck this long after its deadline recycles its child"),
    _k("restart.backoff_initial", D, 1.0, doc="first restart delay of a dead child"),
    _k("restart.backoff_max", D, 60.0, doc="restart delay ceiling"),
    _k("restart.healthy_after", D, 60.0, doc="uptime after which the delay resets"),
    _k("restart.max_restarts", N, 20,
       doc="restarts of one child within restart.window that stop the supervisor (exit 1); 0: never"),
    _k("restart.window", D, 900.0, doc="window of restart.max_restarts"),
    _k("child_user", S, "", "CIVIC_CHILD_USER",
       doc="when started as root, run children as this unprivileged user"),
    _k("metrics.listen", S, "", "METRICS_LISTEN",
       doc="host:port of /metrics, /healthz, /readyz; empty: off"),
    _k("maintenance.leadership", S, "auto", "CIVIC_LEADERSHIP",
       doc="auto: take part in River's leader election; never: leave the leader's maintenance to Go River clients (needed when they define periodic jobs)"),
    _k("maintenance.elect_interval", D, 5.0, doc="leader election / re-election period"),
    _k("maintenance.leader_ttl", D, 15.0, doc="leadership lifetime without re-election"),
    _k("maintenance.scheduler_interval", D, 5.0, doc="promote scheduled/retryable jobs"),
    _k("maintenance.rescuer_interval", D, 30.0, doc="look for stuck running jobs"),
    _k("maintenance.rescue_after", D, 3600.0,
       doc="a running job older than this is stuck; must exceed every queue's job_timeout"),
    _k("maintenance.dead_client_interval", D, 5.0,
       doc="look for running jobs of civic-supervisors that died"),
    _k("maintenance.dead_client_after", D, 10.0,
       doc="a civic-supervisor's session lock gone this long means it died"),
    _k("maintenance.cleaner_interval", D, 30.0, doc="delete finalized jobs past retention"),
    _k("maintenance.completed_retention", D, 86400.0, doc="-1 keeps completed jobs"),
    _k("maintenance.cancelled_retention", D, 86400.0, doc="-1 keeps cancelled jobs"),
    _k("maintenance.discarded_retention", D, 604800.0, doc="-1 keeps discarded jobs"),
    _k("maintenance.queue_keepalive_interval", D, 600.0, doc="river_queue upsert period"),
    _k("maintenance.queue_cleaner_interval", D, 3600.0, doc="delete idle river_queue rows"),
    _k("maintenance.queue_retention", D, 86400.0, doc="river_queue rows idle this long go"),
    _k("log.level", S, "info", "LOG_LEVEL", doc="debug, info, warning or error"),
    _k("log.format", S, "text", "LOG_FORMAT", doc="text or json"),
    # --- worker settings, sent only to the children that name the section ---
    _k("s3.bucket", S, "civic-os-files", "S3_BUCKET", doc='bucket of uploads and thumbnails'),
    _k("s3.region", S, "us-east-1", "S3_REGION", "AWS_REGION", doc='signing region'),
    _k("s3.access_key_id", S, "", "S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID", secret=True,
       doc="empty: boto3's default credential chain (IAM roles)"),
    _k("s3.secret_access_key", S, "", "S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY",
       secret=True, doc='static secret key'),
    _k("s3.endpoint", S, "", "S3_ENDPOINT", "AWS_ENDPOINT_URL", doc="empty: AWS"),
    _k("s3.public_endpoint", S, "", "S3_PUBLIC_ENDPOINT", doc="host in presigned URLs"),
    _k("s3.session_token", S, "", "S3_SESSION_TOKEN", "AWS_SESSION_TOKEN", secret=True,
       doc="with temporary static credentials"),
    _k("s3.presign_expiry_seconds", N, 900, doc="lifetime of a presigned upload URL"),
    _k("thumbnails.max_original_bytes", Z, 52428800, "THUMBNAIL_MAX_ORIGINAL_BYTES", doc='larger originals fail their thumbnails (not retried)'),
    _k("thumbnails.max_pixels", N, 50_000_000, "THUMBNAIL_MAX_PIXELS",
       doc="decompression-bomb limit"),
    _k("thumbnails.pdf_max_pages", N, 2000, "THUMBNAIL_PDF_MAX_PAGES", doc='PDFs with more pages fail'),
    _k("email.transport", S, "smtp", "EMAIL_TRANSPORT", doc="smtp or ses"),
    _k("email.smtp_host", S, "email-smtp.us-east-1.amazonaws.com", "SMTP_HOST", doc='SMTP server'),
    _k("email.smtp_port", N, 587, "SMTP_PORT", doc='587: STARTTLS when offered; 465: implicit TLS'),
    _k("email.smtp_username", S, "", "SMTP_USERNAME", secret=True, doc='AUTH only when both are set'),
    _k("email.smtp_password", S, "", "SMTP_PASSWORD", secret=True, doc='SMTP password'),
    _k("email.from", S, "noreply@civic-os.org", "SMTP_FROM", "FROM_EMAIL", doc='From, bare or `"Name" <addr>`; checked at start'),
    _k("email.reply_to", S, "", "SMTP_REPLY_TO", doc='global Reply-To; checked at start'),
    _k("email.skip_test_emails", B, False, "SKIP_TEST_EMAILS", doc='drop recipients at example.com/.org/.net'),
    _k("email.timeout_seconds", N, 30, "SMTP_TIMEOUT_SECONDS", doc='connect and per-command timeout'),
    _k("email.smtp_ca_file", S, "", "SMTP_CA_FILE", doc="CA bundle for the SMTP server; empty: system store"),
    _k("email.smtp_pool_size", N, 4, "SMTP_POOL_SIZE", doc="SMTP connections kept per child"),
    _k("email.ses_region", S, "us-east-1", "SES_REGION", "AWS_REGION", doc='SES region'),
    _k("email.ses_access_key_id", S, "", "SES_ACCESS_KEY_ID", secret=True, doc="empty: boto3's default chain"),
    _k("email.ses_secret_access_key", S, "", "SES_SECRET_ACCESS_KEY", secret=True, doc='SES secret key'),
    _k("email.ses_endpoint", S, "", "SES_ENDPOINT", doc='empty: AWS'),
    _k("sms.enabled", B, False, "SMS_ENABLED", doc='send SMS through Telnyx'),
    _k("sms.fake_mode", B, False, "SMS_FAKE_MODE", doc='log SMS instead of sending'),
    _k("sms.telnyx_api_key", S, "", "TELNYX_API_KEY", secret=True, doc='Telnyx API key'),
    _k("sms.telnyx_from_number", S, "", "TELNYX_FROM_NUMBER", doc='sender number'),
    _k("sms.telnyx_base_url", S, "https://api.telnyx.com", "TELNYX_BASE_URL", doc='Telnyx-compatible API base'),
    _k("notifications.site_url", S, "http://localhost:4200", "SITE_URL", doc='template `.Metadata.site_url`'),
    _k("notifications.app_title", S, "Civic OS", "APP_TITLE", doc='template `.Metadata.site_name`'),
    _k("notifications.api_url", S, "http://localhost:3000", "API_URL", doc='template `.Metadata.api_url`'),
    _k("notifications.timezone", S, "America/New_York", "NOTIFICATION_TIMEZONE", doc='IANA zone of the date functions; invalid: the child stops at start'),
    _k("notifications.tracking_enabled", B, True, "NOTIFICATION_TRACKING_ENABLED", doc='bulk-email tracking (pixel, unsubscribe)'),
    _k("notifications.tracking_url", S, "http://localhost:8090", "TRACKING_URL", doc='public base of tracking links'),
]  # fmt: skip

QUEUE_KEYS: list[Key] = [
    _k("queue", S, None, doc="River queue the child works"),
    _k("max_workers", N, None, doc="worker threads in the child"),
    _k("enabled", B, None, doc="run this child"),
    _k("job_timeout", D, 60.0, doc="per-job deadline; 0 or -1: none"),
    _k("max_memory", Z, 0, doc="recycle the child between jobs above this RSS; 0: no limit"),
    _k("max_jobs_per_child", N, 0, doc="recycle the child after this many jobs; 0: no limit"),
]
"""Keys under `queues.<name>.`; a None default comes from the worker's spec."""

QUEUE_ENV = {"THUMBNAIL_MAX_WORKERS": ("thumbnails", "max_workers")}

WORKER_SECTIONS = ("s3", "thumbnails", "email", "sms", "notifications")

BY_PATH = {k.path: k for k in KEYS}
