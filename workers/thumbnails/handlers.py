"""The `thumbnail_generate` handler: three thumbnails next to a Civic OS file's original.

Success writes the keys and `completed` with the job's completion (ctx.write). A file that can
never be thumbnailed (corrupt, unsupported, over a limit) gets `thumbnail_status='failed'` and
a readable `thumbnail_error`, and the job is cancelled: the Go worker wrote `'error'`, which the
table's CHECK rejects, so such rows stayed `pending` while the job retried for ~20 days.
A missing row and S3 or network trouble are ordinary errors and retry.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workers.errors import JobCancel
from workers.job import Handler, Job, JobContext
from workers.s3client import S3Settings, internal_client
from workers.thumbnails import Thumbnail
from workers.thumbnails.errors import ThumbnailError
from workers.thumbnails.images import image_thumbnails
from workers.thumbnails.pdf import is_pdf_type, pdf_thumbnails

_MAX_ERROR_CHARS = 1000
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """The `thumbnails` settings section."""

    max_original_bytes: int = 52_428_800
    max_pixels: int = 50_000_000
    pdf_max_pages: int = 2000

    @classmethod
    def from_mapping(cls, section: Mapping[str, Any]) -> Limits:
        known = {k: int(section[k]) for k in cls.__dataclass_fields__ if section.get(k) is not None}
        limits = cls(**known)
        bad = [k for k, v in vars(limits).items() if v < 1]
        if bad:
            raise ValueError(f"thumbnails.{', thumbnails.'.join(bad)} must be positive")
        return limits


class ThumbnailHandler:
    def __init__(self, s3: Any, limits: Limits) -> None:
        self.s3 = s3
        self.limits = limits

    def __call__(self, job: Job, ctx: JobContext) -> None:
        file_id = _file_id(job.args)
        rows = ctx.query("load_file", file_id=file_id)
        if not rows:
            raise LookupError(f"metadata.files has no row {file_id}")
        row = rows[0]
        try:
            thumbnails = self._make(row, ctx)
        except ThumbnailError as exc:
            error = str(exc)[:_MAX_ERROR_CHARS]
            ctx.write("mark_failed", file_id=file_id, error=error)
            raise JobCancel(f"file {file_id} cannot be thumbnailed: {error}") from exc
        keys = self._upload(row["s3_bucket"], row["s3_original_key"], thumbnails)
        ctx.write("mark_completed", file_id=file_id, **keys)
        ctx.log.info("thumbnails for file %s: %s", file_id, ", ".join(keys.values()))

    def _make(self, row: dict[str, Any], ctx: JobContext) -> list[Thumbnail]:
        if not row["s3_bucket"] or not row["s3_original_key"]:
            raise ThumbnailError("the file has no s3_bucket or s3_original_key")
        data = self._download(row["s3_bucket"], row["s3_original_key"])
        if ctx.cancelled.is_set():
            raise TimeoutError("job cancelled or timed out after the download")
        if is_pdf_type(row["file_type"] or ""):
            return pdf_thumbnails(data, self.limits.pdf_max_pages)
        return image_thumbnails(data, self.limits.max_pixels)

    def _download(self, bucket: str, key: str) -> bytes:
        """The original, streamed, refused as soon as it is known to be over the limit."""
        limit = self.limits.max_original_bytes
        obj = self.s3.get_object(Bucket=bucket, Key=key)
        body = obj["Body"]
        try:
            size = obj.get("ContentLength")
            if size is not None and size > limit:
                raise ThumbnailError(f"the original is {size} bytes, over the limit of {limit}")
            chunks, received = [], 0
            for chunk in body.iter_chunks(_CHUNK):
                received += len(chunk)
                if received > limit:
                    raise ThumbnailError(f"the original is over the limit of {limit} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            body.close()

    def _upload(self, bucket: str, original: str, thumbnails: list[Thumbnail]) -> dict[str, str]:
        """PUT each thumbnail next to the original, public-read like the original."""
        folder = original.rpartition("/")[0]
        keys = {}
        for t in thumbnails:
            name = f"thumb-{t.size}{t.extension}"
            key = f"{folder}/{name}" if folder else name
            self.s3.put_object(
                Bucket=bucket, Key=key, Body=t.data, ContentType=t.content_type, ACL="public-read"
            )
            keys[t.size] = key
        return keys


def _file_id(args: Any) -> str:
    """The job's `file_id`, or JobCancel: without it no row can ever be found or marked."""
    value = args.get("file_id") if isinstance(args, dict) else None
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
    raise JobCancel(f"job args need file_id as a UUID string, got {args!r:.200}")


def make_handlers(settings: dict[str, Any]) -> dict[str, Handler]:
    """Build the S3 client once per child; bad settings fail the child's start."""
    s3 = S3Settings.from_mapping(settings.get("s3", {}))
    limits = Limits.from_mapping(settings.get("thumbnails", {}))
    return {"thumbnail_generate": ThumbnailHandler(internal_client(s3), limits)}
