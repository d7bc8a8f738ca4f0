"""Presign child declaration: queue, statements and settings, without importing boto3."""

from __future__ import annotations

from workers.spec import WorkerSpec

SPEC = WorkerSpec(
    name="presign",
    queue="s3_signer",
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
    settings=("s3",),
)
