"""Thumbnails child declaration: queue, statements and settings, without importing Pillow."""

from __future__ import annotations

from workers.s3spec import S3
from workers.spec import AWS_CREDENTIAL_CHAIN, Section, Setting, WorkerSpec

THUMBNAILS = Section(
    "thumbnails",
    "limits of the thumbnails child",
    (
        Setting("max_original_bytes", "size", 52_428_800, ("THUMBNAIL_MAX_ORIGINAL_BYTES",),
                doc="larger originals fail their thumbnails (not retried)"),
        Setting("max_pixels", "int", 50_000_000, ("THUMBNAIL_MAX_PIXELS",),
                doc="decompression-bomb limit"),
        Setting("pdf_max_pages", "int", 2000, ("THUMBNAIL_PDF_MAX_PAGES",),
                doc="PDFs with more pages fail"),
    ),
)  # fmt: skip

_KEYS = ("s3_thumbnail_small_key", "s3_thumbnail_medium_key", "s3_thumbnail_large_key")

SPEC = WorkerSpec(
    name="thumbnails",
    queue="thumbnails",
    kinds=("thumbnail_generate",),
    max_workers=3,
    handlers="workers.thumbnails.handlers:make_handlers",
    statements={
        "load_file": (
            "SELECT s3_bucket, s3_original_key, file_type FROM metadata.files"
            " WHERE id = %(file_id)s::uuid"
        ),
        "mark_completed": (
            "UPDATE metadata.files SET thumbnail_status = 'completed', thumbnail_error = NULL,"
            " s3_thumbnail_small_key = %(small)s, s3_thumbnail_medium_key = %(medium)s,"
            " s3_thumbnail_large_key = %(large)s, updated_at = now()"
            " WHERE id = %(file_id)s::uuid"
        ),
        "mark_failed": (
            "UPDATE metadata.files SET thumbnail_status = 'failed', thumbnail_error = %(error)s,"
            + ",".join(f" {k} = NULL" for k in _KEYS)
            + ", updated_at = now() WHERE id = %(file_id)s::uuid"
        ),
    },
    sections=(S3, THUMBNAILS),
    env=AWS_CREDENTIAL_CHAIN,
    queue_env={"max_workers": "THUMBNAIL_MAX_WORKERS"},
    doc="thumbnails of images and PDFs in metadata.files",
)
