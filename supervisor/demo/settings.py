"""The demo's supervisor configuration: production defaults pointed at the local services."""

from __future__ import annotations

from typing import Any

from supervisor.demo.services import S3_KEY, S3_REGION, S3_SECRET
from supervisor.demo.workload import BUCKET

BUDGET = 4


def config(db_url: str, s3_endpoint: str, smtp_port: int) -> dict[str, Any]:
    """Production defaults except the endpoints; the bench child stays off."""
    return {
        "database": {"url": db_url, "max_conns": BUDGET},
        "queues": {"bench": {"enabled": False}},
        "s3": {
            "bucket": BUCKET,
            "region": S3_REGION,
            "endpoint": s3_endpoint,
            "access_key_id": S3_KEY,
            "secret_access_key": S3_SECRET,
        },
        "email": {
            "transport": "smtp",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "from": "Civic OS demo <noreply@civic-os.org>",
            "timeout_seconds": 10,
        },
        "sms": {"enabled": False},
    }
