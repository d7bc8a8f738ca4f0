"""Thumbnail worker (kind `thumbnail_generate`, queue `thumbnails`) and its output sizes.

Kept import-light: the parent imports `workers.thumbnails.spec`, which imports this package.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    name: str
    box: int
    """Width and height of the square the thumbnail must fit into."""
    jpeg_quality: int


SIZES = (Size("small", 150, 80), Size("medium", 400, 85), Size("large", 800, 90))


@dataclass(frozen=True)
class Thumbnail:
    size: str
    data: bytes
    content_type: str
    extension: str
    """".jpg" or ".png": the object key is `{dir of original}/thumb-{size}{extension}`."""
