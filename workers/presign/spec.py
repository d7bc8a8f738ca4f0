"""Presign child declaration: queue, statements and settings, without importing boto3."""

from __future__ import annotations

from workers.s3spec import S3
from workers.spec import AWS_CREDENTIAL_CHAIN, WorkerSpec

SPEC = WorkerSpec(
    name="presign",
    queue="s3_signer",
    kinds=("s3_presign",),
    max_workers=20,
    handlers="workers.presign.handlers:make_handlers",
    statements={
        "mark_completed": (
            "UPDATE metadata.file_upload_requests"
            " SET presigned_url = %(url)s, file_id = %(file_id)s::uuid, s3_key = %(s3_key)s,"
            " status = 'completed', error_message = NULL"
            " WHERE id = %(request_id)s::uuid"
        ),
        "mark_failed": (
            "UPDATE metadata.file_upload_requests"
            " SET status = 'failed', error_message = %(error)s"
            " WHERE id = %(request_id)s::uuid"
        ),
    },
    sections=(S3,),
    env=AWS_CREDENTIAL_CHAIN,
    doc="S3 presigned upload URLs for metadata.file_upload_requests",
)
