"""S3 clients for the presign and thumbnail children, configured as the Go worker's were.

Path-style addressing always (the frontend reads bucket and key from the URL path), checksums
only when an operation requires them (boto3 >= 1.36 otherwise adds CRC32 headers that
MinIO/Spaces and browser PUTs to presigned URLs cannot satisfy), and static keys only when both
are given: otherwise boto3's default chain (env, profile, web identity, instance role) applies,
which the Go worker never allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(
    signature_version="s3v4",
    s3={"addressing_style": "path"},
    request_checksum_calculation="when_required",
    response_checksum_validation="when_required",
    connect_timeout=5,
    read_timeout=30,
    retries={"mode": "standard", "total_max_attempts": 3},
    max_pool_connections=32,
    user_agent_extra="civic-supervisor",
)
_MAX_PRESIGN_EXPIRY = 7 * 24 * 3600  # SigV4's limit


@dataclass(frozen=True)
class S3Settings:
    """The `s3` settings section (see the config layer for env names and defaults)."""

    bucket: str = "civic-os-files"
    region: str = "us-east-1"
    access_key_id: str = ""
    secret_access_key: str = ""
    session_token: str = ""
    """Only with static keys (temporary credentials); optional, not in the Go worker."""
    endpoint: str = ""
    public_endpoint: str = ""
    presign_expiry_seconds: int = 900

    @classmethod
    def from_mapping(cls, section: Mapping[str, Any]) -> S3Settings:
        known = {k: section[k] for k in cls.__dataclass_fields__ if section.get(k) is not None}
        if "presign_expiry_seconds" in known:
            known["presign_expiry_seconds"] = int(known["presign_expiry_seconds"])
        s = cls(**known)
        if not s.bucket:
            raise ValueError("s3.bucket (S3_BUCKET) must not be empty")
        if bool(s.access_key_id) != bool(s.secret_access_key):
            raise ValueError(
                "set both s3.access_key_id and s3.secret_access_key (S3_ACCESS_KEY_ID/"
                "S3_SECRET_ACCESS_KEY), or neither to use the AWS default credential chain"
            )
        for name in ("endpoint", "public_endpoint"):
            url = getattr(s, name)
            if url and not url.startswith(("http://", "https://")):
                raise ValueError(f"s3.{name} must start with http:// or https://, got {url!r}")
        if not 1 <= s.presign_expiry_seconds <= _MAX_PRESIGN_EXPIRY:
            raise ValueError(f"s3.presign_expiry_seconds must be 1..{_MAX_PRESIGN_EXPIRY}")
        return s


def _client(s: S3Settings, endpoint: str) -> Any:
    if s.access_key_id:
        session = boto3.session.Session(
            aws_access_key_id=s.access_key_id,
            aws_secret_access_key=s.secret_access_key,
            aws_session_token=s.session_token or None,
            region_name=s.region,
        )
    else:
        session = boto3.session.Session(region_name=s.region)
        if session.get_credentials() is None:
            raise RuntimeError(
                "no S3 credentials: set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or configure "
                "the AWS default credential chain (AWS_* env, profile, web identity, instance role)"
            )
    return session.client("s3", endpoint_url=endpoint or None, config=_CONFIG)


def internal_client(s: S3Settings) -> Any:
    """Client for GET/PUT from this host: `S3_ENDPOINT`, or AWS when empty."""
    return _client(s, s.endpoint)


def presign_client(s: S3Settings) -> Any:
    """Client whose URLs browsers use: `S3_PUBLIC_ENDPOINT`, else the internal endpoint."""
    return _client(s, s.public_endpoint or s.endpoint)
