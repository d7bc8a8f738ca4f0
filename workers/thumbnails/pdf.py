"""PDF thumbnails: page 1 rendered by PDFium straight at each size, aspect kept, PNG.

Rendering at the target size (instead of the Go worker's 300 DPI page squashed into a square)
keeps text sharp and costs little. PDFium is not thread-safe, so every call into it, including
closing its objects, happens under one process-wide lock; the PNG encoding runs outside it.
"""

from __future__ import annotations

import io
import threading
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from workers.thumbnails import SIZES, Thumbnail
from workers.thumbnails.errors import ThumbnailError

_PDFIUM = threading.Lock()
_PDF_TYPES = frozenset({"application/pdf", "application/x-pdf", "pdf"})


def is_pdf_type(file_type: str) -> bool:
    """The Go worker's `isPDFType`: the MIME type decides, after trim and lower-case."""
    return file_type.strip().lower() in _PDF_TYPES


def pdf_thumbnails(data: bytes, max_pages: int) -> list[Thumbnail]:
    """The three thumbnails of a PDF's first page, smallest first; ThumbnailError if impossible."""
    out = []
    for size, image in zip(SIZES, _render_first_page(data, max_pages), strict=True):
        buf = io.BytesIO()
        image.save(buf, "PNG")
        out.append(Thumbnail(size.name, buf.getvalue(), "image/png", ".png"))
    return out


def _render_first_page(data: bytes, max_pages: int) -> list[Image.Image]:
    with _PDFIUM:
        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
                raise ThumbnailError("the PDF is encrypted with a password") from exc
            raise ThumbnailError(f"not a readable PDF: {exc}") from exc
        try:
            pages = len(doc)
            if pages == 0:
                raise ThumbnailError("the PDF has no pages")
            if pages > max_pages:
                raise ThumbnailError(f"the PDF has {pages} pages, over the limit of {max_pages}")
            page = doc[0]
            try:
                return [_render(page, size.box) for size in SIZES]
            finally:
                page.close()
        except pdfium.PdfiumError as exc:
            raise ThumbnailError(f"cannot render the PDF's first page: {exc}") from exc
        finally:
            doc.close()


def _render(page: Any, box: int) -> Image.Image:
    width, height = page.get_size()
    if not (width > 0 and height > 0):
        raise ThumbnailError(f"the PDF's first page has no area ({width}x{height} pt)")
    bitmap = page.render(scale=min(box / width, box / height), may_draw_forms=True)
    try:
        image: Image.Image = bitmap.to_pil().convert(
            "RGB"
        )  # a copy: the bitmap's memory is freed below
    finally:
        bitmap.close()
    if image.width > box or image.height > box:  # PDFium rounds the size up
        image = image.crop((0, 0, min(image.width, box), min(image.height, box)))
    return image
