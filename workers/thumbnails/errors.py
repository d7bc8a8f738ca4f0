"""The one error that means "this file can never be thumbnailed"."""

from __future__ import annotations


class ThumbnailError(Exception):
    """Corrupt, unsupported or over a limit: mark the file `failed` and cancel the job.

    The message is stored in `metadata.files.thumbnail_error`, so it is written for people.
    """
