"""Image thumbnails: one decode, three white-padded JPEG squares (150/400/800).

A JPEG is decoded at the smallest DCT scale still at least as big as the large thumbnail
(`draft`), which is most of the speed; the medium and small sizes are then made from the
large one. EXIF orientation is applied, colours are converted to sRGB, transparency is
flattened onto white, and nothing of the source's metadata (EXIF/GPS, XMP, ICC) is written.
Only the formats below are opened: Pillow's other plugins (EPS runs Ghostscript, PSD, ICO,
...) stay out of reach of uploaded bytes.
"""

from __future__ import annotations

import contextlib
import io
import re
from typing import cast

import pillow_heif
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from workers.thumbnails import SIZES, Thumbnail
from workers.thumbnails.errors import ThumbnailError

pillow_heif.register_heif_opener()

Image.init()
FORMATS = tuple(
    f for f in ("JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP", "HEIF", "AVIF") if f in Image.OPEN
)
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_HIGH_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")


def image_thumbnails(data: bytes, max_pixels: int) -> list[Thumbnail]:
    """The three thumbnails of an image file, smallest first; ThumbnailError if impossible."""
    src = decode(data, max_pixels, max(s.box for s in SIZES))
    made: dict[str, Thumbnail] = {}
    for size in sorted(SIZES, key=lambda s: -s.box):
        src = _fit(src, size.box)
        buf = io.BytesIO()
        _pad(src, size.box).save(buf, "JPEG", quality=size.jpeg_quality)
        made[size.name] = Thumbnail(size.name, buf.getvalue(), "image/jpeg", ".jpg")
    return [made[s.name] for s in SIZES]


def decode(data: bytes, max_pixels: int, box: int) -> Image.Image:
    """Decode once, no larger than needed for `box`: upright, sRGB, RGB, on white."""
    try:
        im = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError as exc:  # over twice Pillow's own limit
        found = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = f"{found.group(1)} pixels" if found else "too many pixels"
        raise ThumbnailError(
            f"image has {pixels}, over the limit of {max_pixels} pixels (a decompression bomb?)"
        ) from exc
    except UnidentifiedImageError as exc:
        raise ThumbnailError(
            "not an image in a supported format (JPEG, PNG, GIF, WebP, TIFF, BMP, HEIC/HEIF, AVIF)"
        ) from exc
    except MemoryError:
        raise
    except Exception as exc:
        raise ThumbnailError(f"cannot read image: {exc}") from exc
    width, height = im.size
    if width * height > max_pixels:
        raise ThumbnailError(
            f"image is {width}x{height} ({width * height} pixels), over the limit of "
            f"{max_pixels} pixels"
        )
    if im.format in ("JPEG", "MPO"):
        im.draft("RGB", fit_size(width, height, box))
    icc = im.info.get("icc_profile")
    try:
        im.load()
    except MemoryError:
        raise
    except Exception as exc:
        raise ThumbnailError(f"corrupt or truncated {im.format} image: {exc}") from exc
    with contextlib.suppress(Exception):  # a broken EXIF block only loses the orientation
        ImageOps.exif_transpose(im, in_place=True)
    return _to_srgb(_flatten(im), icc)


def fit_size(width: int, height: int, box: int) -> tuple[int, int]:
    """The size inside a `box` square keeping the aspect ratio, never larger than the source."""
    scale = min(box / width, box / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _flatten(im: Image.Image) -> Image.Image:
    """RGB, L or CMYK: high bit depths scaled to 8 bits, transparency composited on white."""
    if im.mode in _HIGH_BIT_MODES:
        im = im.convert("I") if im.mode.startswith("I;16") else im
        low, high = cast("tuple[float, float]", im.getextrema())  # one band: a (min, max) pair
        scale = 255 / (high - low) if high > low else 0
        return im.point(lambda v: (v - low) * scale).convert("L")
    if im.has_transparency_data:
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, im.convert("RGBA")).convert("RGB")
    return im if im.mode in ("RGB", "L", "CMYK") else im.convert("RGB")


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    if icc:
        try:
            out = ImageCms.profileToProfile(im, io.BytesIO(icc), _SRGB, outputMode="RGB")
            if out is not None:
                return out
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a profile that does not fit the pixels: use them as they are
    return im if im.mode == "RGB" else im.convert("RGB")


def _fit(im: Image.Image, box: int) -> Image.Image:
    size = fit_size(im.width, im.height, box)
    if size == im.size:
        return im
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _pad(im: Image.Image, box: int) -> Image.Image:
    if im.size == (box, box):
        return im
    canvas = Image.new("RGB", (box, box), (255, 255, 255))
    canvas.paste(im, ((box - im.width) // 2, (box - im.height) // 2))
    return canvas
