"""The notifications child: queue `notifications`, all four kinds River delivers on it, and
its settings (email, sms, template metadata), declared without importing worker code."""

from __future__ import annotations

from workers.notifications.statements import STATEMENTS
from workers.spec import AWS_CREDENTIAL_CHAIN, Section, Setting, Settings, WorkerSpec

EMAIL = Section(
    "email",
    "outgoing email of the notifications child",
    (
        Setting("transport", "str", "smtp", ("EMAIL_TRANSPORT",), choices=("smtp", "ses"),
                doc="smtp or ses"),
        Setting("smtp_host", "str", "email-smtp.us-east-1.amazonaws.com", ("SMTP_HOST",),
                doc="SMTP server"),
        Setting("smtp_port", "int", 587, ("SMTP_PORT",),
                doc="587: STARTTLS when offered; 465: implicit TLS"),
        Setting("smtp_username", "str", "", ("SMTP_USERNAME",), secret=True,
                doc="AUTH only when both are set"),
        Setting("smtp_password", "str", "", ("SMTP_PASSWORD",), secret=True, doc="SMTP password"),
        Setting("from", "str", "noreply@civic-os.org", ("SMTP_FROM", "FROM_EMAIL"),
                doc='From, bare or `"Name" <addr>`; checked at start'),
        Setting("reply_to", "str", "", ("SMTP_REPLY_TO",), doc="global Reply-To; checked at start"),
        Setting("skip_test_emails", "bool", False, ("SKIP_TEST_EMAILS",),
                doc="drop recipients at example.com/.org/.net"),
        Setting("timeout_seconds", "int", 30, ("SMTP_TIMEOUT_SECONDS",),
                doc="connect and per-command timeout"),
        Setting("smtp_ca_file", "str", "", ("SMTP_CA_FILE",),
                doc="CA bundle for the SMTP server; empty: system store"),
        Setting("smtp_pool_size", "int", 4, ("SMTP_POOL_SIZE",),
                doc="SMTP connections kept per child"),
        Setting("ses_region", "str", "us-east-1", ("SES_REGION", "AWS_REGION"), doc="SES region"),
        Setting("ses_access_key_id", "str", "", ("SES_ACCESS_KEY_ID",), secret=True,
                doc="empty: boto3's default chain"),
        Setting("ses_secret_access_key", "str", "", ("SES_SECRET_ACCESS_KEY",), secret=True,
                doc="SES secret key"),
        Setting("ses_endpoint", "str", "", ("SES_ENDPOINT",), doc="empty: AWS"),
    ),
)  # fmt: skip

SMS = Section(
    "sms",
    "text messages of the notifications child (Telnyx)",
    (
        Setting("enabled", "bool", False, ("SMS_ENABLED",), doc="send SMS through Telnyx"),
        Setting("fake_mode", "bool", False, ("SMS_FAKE_MODE",), doc="log SMS instead of sending"),
        Setting("telnyx_api_key", "str", "", ("TELNYX_API_KEY",), secret=True,
                doc="Telnyx API key"),
        Setting("telnyx_from_number", "str", "", ("TELNYX_FROM_NUMBER",), doc="sender number"),
        Setting("telnyx_base_url", "str", "https://api.telnyx.com", ("TELNYX_BASE_URL",),
                doc="Telnyx-compatible API base"),
    ),
)  # fmt: skip

NOTIFICATIONS = Section(
    "notifications",
    "template metadata and tracking links of the notifications child",
    (
        Setting("site_url", "str", "http://localhost:4200", ("SITE_URL",),
                doc="template `.Metadata.site_url`"),
        Setting("app_title", "str", "Civic OS", ("APP_TITLE",),
                doc="template `.Metadata.site_name`"),
        Setting("api_url", "str", "http://localhost:3000", ("API_URL",),
                doc="template `.Metadata.api_url`"),
        Setting("timezone", "str", "America/New_York", ("NOTIFICATION_TIMEZONE",),
                doc="IANA zone of the date functions; invalid: the child stops at start"),
        Setting("tracking_enabled", "bool", True, ("NOTIFICATION_TRACKING_ENABLED",),
                doc="bulk-email tracking (pixel, unsubscribe)"),
        Setting("tracking_url", "str", "http://localhost:8090", ("TRACKING_URL",),
                doc="public base of tracking links"),
    ),
)  # fmt: skip


def _aws_for_ses(settings: Settings) -> tuple[str, ...]:
    """boto3's credential chain only when SES sends the email."""
    return AWS_CREDENTIAL_CHAIN if settings["email"]["transport"] == "ses" else ()


def _static_asset_base(settings: Settings) -> Settings:
    """`staticAsset` URLs point at the public S3 bucket; the child gets the base URL alone,
    not the S3 credentials beside it."""
    s3 = settings["s3"]
    base = str(s3["public_endpoint"] or s3["endpoint"]).rstrip("/")
    return {"notifications": {"static_asset_base": f"{base}/{s3['bucket']}" if base else ""}}


SPEC = WorkerSpec(
    name="notifications",
    queue="notifications",
    kinds=("send_notification", "send_email", "validate_template_parts",
           "preview_template_parts"),
    max_workers=10,
    handlers="workers.notifications.handlers:make_handlers",
    statements=STATEMENTS,
    sections=(EMAIL, SMS, NOTIFICATIONS),
    env=_aws_for_ses,
    derive=_static_asset_base,
    doc="email and SMS for Civic OS notifications",
)  # fmt: skip
