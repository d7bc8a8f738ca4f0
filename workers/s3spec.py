"""The `s3` settings section, shared by the workers that read or write Civic OS files."""

from __future__ import annotations

from workers.spec import Section, Setting

S3 = Section(
    "s3",
    "object storage of uploads and thumbnails (presign, thumbnails)",
    (
        Setting("bucket", "str", "civic-os-files", ("S3_BUCKET",),
                doc="bucket of uploads and thumbnails"),
        Setting("region", "str", "us-east-1", ("S3_REGION", "AWS_REGION"), doc="signing region"),
        Setting("access_key_id", "str", "", ("S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"),
                secret=True, doc="empty: boto3's default credential chain (IAM roles)"),
        Setting("secret_access_key", "str", "", ("S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"),
                secret=True, doc="static secret key"),
        Setting("endpoint", "str", "", ("S3_ENDPOINT", "AWS_ENDPOINT_URL"), doc="empty: AWS"),
        Setting("public_endpoint", "str", "", ("S3_PUBLIC_ENDPOINT",),
                doc="host in presigned URLs"),
        Setting("session_token", "str", "", ("S3_SESSION_TOKEN", "AWS_SESSION_TOKEN"),
                secret=True, doc="with temporary static credentials"),
        Setting("presign_expiry_seconds", "int", 900, doc="lifetime of a presigned upload URL"),
    ),
)  # fmt: skip
