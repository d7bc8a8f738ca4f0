"""Thumbnails child declaration: queue, statements and settings, without importing Pillow."""

from __future__ import annotations

from workers.spec import WorkerSpec

_KEYS = ("s3_thumbnail_small_key", "s3_thumbnail_medium_key", "s3_thumbnail_large_key")

SPEC = WorkerSpec(
    name="thumbnails",
    queue="thumbnails",
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
    settings=("s3", "thumbnails"),
)
