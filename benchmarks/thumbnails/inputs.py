"""The three generated inputs: a 12 MP JPEG photo, a 4 MP RGBA PNG and a 10-page scanned PDF."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    path: str
    file_type: str
    target: float | None
    """Minimum ours/reference ratio, or None when the issue sets none."""


def make_inputs(directory: Path) -> list[Case]:
    """Photo-like content (gradients and noise) so the codecs have real work to do."""
    jpeg, png, pdf = directory / "photo.jpg", directory / "plan.png", directory / "report.pdf"
    _photo(4000, 3000).save(jpeg, "JPEG", quality=90)
    _transparent(2309, 1732).save(png, "PNG")
    pages = [_scanned_page(n) for n in range(10)]
    pages[0].save(pdf, "PDF", resolution=300.0, save_all=True, append_images=pages[1:])
    return [
        Case("jpeg", "JPEG 12 MP", str(jpeg), "image/jpeg", 1.0),
        Case("png", "PNG 4 MP RGBA", str(png), "image/png", None),
        Case("pdf", "PDF 10 p A4 300dpi", str(pdf), "application/pdf", 2.0),
    ]


def _photo(width: int, height: int) -> Any:
    from PIL import Image, ImageDraw

    grey = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 40)
    radial = Image.radial_gradient("L").resize((width, height))
    im = Image.merge("RGB", (grey, Image.blend(grey, noise, 0.5), Image.blend(radial, noise, 0.3)))
    ImageDraw.Draw(im).ellipse((width // 3, height // 2, width // 2, height * 3 // 4), fill="navy")
    return im


def _transparent(width: int, height: int) -> Any:
    from PIL import Image, ImageDraw

    grey = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 40)
    alpha = Image.radial_gradient("L").resize((width, height)).point(lambda v: 255 - v)
    im = Image.merge("RGBA", (grey, Image.blend(grey, noise, 0.5), noise, alpha))
    ImageDraw.Draw(im).rectangle((200, 200, 900, 900), fill=(220, 40, 40, 255))
    return im


def _scanned_page(number: int) -> Any:
    """An A4 page at 300 dpi: a header, lines of text and a photo, as a scanner makes it."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = 2480, 3508
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((200, 200, width - 200, 420), fill=(20, 60, 160))
    title = ImageFont.load_default(size=90)
    draw.text((240, 260), f"Inspection report, page {number + 1}", fill="white", font=title)
    body = ImageFont.load_default(size=40)
    line = "Pothole at the corner of 5th and Main, reported by a resident; crew dispatched."
    for y in range(520, height - 1400, 60):
        draw.text((220, y), line, fill="black", font=body)
    page.paste(_photo(1600, 1000), (440, height - 1300))
    return page
