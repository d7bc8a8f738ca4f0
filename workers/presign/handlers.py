"""The `s3_presign` handler: a presigned PUT URL for one Civic OS upload request.

The URL and the request row's `completed` status commit with the job (ctx.write), so a
crash never leaves one without the other. Input that can never work marks the row `failed`
with a readable `error_message` (the frontend shows it) and cancels the job; anything else
(for instance no credentials yet) is an ordinary error and River retries.
"""

from __future__ import annotations

from typing import Any

from workers.errors import JobCancel
from workers.job import Handler, Job, JobContext
from workers.presign.keys import InvalidUploadError, object_key, parse_request, uuid7
from workers.s3client import S3Settings, presign_client


class PresignHandler:
    def __init__(self, presigner: Any, bucket: str, expiry_seconds: int = 900) -> None:
        self.presigner = presigner
        self.bucket = bucket
        self.expiry_seconds = expiry_seconds

    def __call__(self, job: Job, ctx: JobContext) -> None:
        try:
            req = parse_request(job.args)
            file_id = uuid7()
            key = object_key(req, file_id)
        except InvalidUploadError as exc:
            if exc.request_id is not None:
                ctx.write("mark_failed", request_id=exc.request_id, error=str(exc))
            raise JobCancel(f"invalid upload request: {exc}") from exc
        url = self.presigner.generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": key, "ACL": "public-read"},
            ExpiresIn=self.expiry_seconds,
            HttpMethod="PUT",
        )
        ctx.write("mark_completed", request_id=req.request_id, url=url, file_id=file_id, s3_key=key)
        ctx.log.info("presigned upload %s for request %s", key, req.request_id)


def make_handlers(settings: dict[str, Any]) -> dict[str, Handler]:
    """Build the presigning client once per child; bad S3 settings fail the child's start."""
    s3 = S3Settings.from_mapping(settings.get("s3", {}))
    handler = PresignHandler(presign_client(s3), s3.bucket, s3.presign_expiry_seconds)
    return {"s3_presign": handler}
