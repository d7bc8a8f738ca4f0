"""One job through our code, so the comparison measures what the thumbnails child runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from benchmarks.thumbnails.inputs import Case


def ours(case: Case, out: Path) -> Callable[[], int]:
    """One job through our code: the functions `ThumbnailHandler._make` calls, default limits."""
    from workers.thumbnails.handlers import Limits
    from workers.thumbnails.images import image_thumbnails
    from workers.thumbnails.pdf import is_pdf_type, pdf_thumbnails

    limits, source = Limits(), Path(case.path)

    def job() -> int:
        data = source.read_bytes()
        if is_pdf_type(case.file_type):
            thumbs = pdf_thumbnails(data, limits.pdf_max_pages)
        else:
            thumbs = image_thumbnails(data, limits.max_pixels)
        for t in thumbs:
            (out / f"thumb-{t.size}{t.extension}").write_bytes(t.data)
        return 1

    return job
