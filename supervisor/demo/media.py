"""Real files for the thumbnail queue, generated so the demo ships no binaries.

Each exercises a path Civic OS uploads hit: a phone photo stored sideways with an EXIF
orientation tag, a PNG with transparency, and a one-page PDF.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw


@dataclass(frozen=True)
class Sample:
    file_name: str
    file_type: str
    data: bytes

    @property
    def extension(self) -> str:
        return "." + self.file_name.rsplit(".", 1)[1]


def _save(im: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def _street(width: int, height: int) -> Image.Image:
    """Sky, road and noise: a photo-like picture that JPEG has real work to compress."""
    im = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width, height), 30).convert("RGB")
    im = Image.blend(im, noise, 0.3)
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, height * 2 // 3, width, height), fill=(70, 70, 75))
    draw.ellipse((width // 3, height * 3 // 4, width // 2, height * 7 // 8), fill=(30, 25, 20))
    return im


def sideways_photo() -> Sample:
    """Stored landscape with EXIF orientation 6: shown (and thumbnailed) as portrait."""
    exif = Image.Exif()
    exif[0x0112] = 6
    data = _save(_street(1600, 1200), "JPEG", quality=88, exif=exif)
    return Sample("pothole-phone.jpg", "image/jpeg", data)


def upright_photo() -> Sample:
    return Sample("streetlight.jpg", "image/jpeg", _save(_street(1200, 800), "JPEG", quality=85))


def transparent_png() -> Sample:
    """A site plan on a transparent background; thumbnails flatten it onto white."""
    im = Image.new("RGBA", (900, 600), (0, 0, 0, 0))
    draw = ImageDraw.Draw(im)
    draw.rectangle((100, 100, 800, 500), outline=(20, 60, 160, 255), width=12)
    draw.polygon([(450, 150), (700, 450), (200, 450)], fill=(220, 40, 40, 200))
    return Sample("site-plan.png", "image/png", _save(im, "PNG"))


def one_page_pdf() -> Sample:
    """A US-letter inspection report (Pillow writes it at 72 dpi)."""
    page = Image.new("RGB", (612, 792), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((50, 50, 562, 120), fill=(20, 60, 160))
    for y in range(160, 700, 28):
        draw.line((60, y, 550, y), fill=(120, 120, 120), width=3)
    return Sample("inspection-report.pdf", "application/pdf", _save(page, "PDF", resolution=72.0))


def samples() -> list[Sample]:
    return [sideways_photo(), transparent_png(), one_page_pdf(), upright_photo()]
