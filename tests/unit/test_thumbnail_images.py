"""Thumbnail rendering of real images and PDFs, without database or S3."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image
from PIL.JpegImagePlugin import JpegImageFile

from tests.support import samples
from workers.thumbnails import Thumbnail
from workers.thumbnails.errors import ThumbnailError
from workers.thumbnails.images import decode, image_thumbnails
from workers.thumbnails.pdf import is_pdf_type, pdf_thumbnails

LIMIT = 50_000_000


def opened(t: Thumbnail) -> Image.Image:
    im = Image.open(io.BytesIO(t.data))
    im.load()
    return im


def is_red(px: float | tuple[int, ...] | None) -> bool:
    assert isinstance(px, tuple), px
    return px[0] > 170 and px[1] < 90 and px[2] < 90


def is_white(px: float | tuple[int, ...] | None) -> bool:
    assert isinstance(px, tuple), px
    return min(px[:3]) > 235


def large(data: bytes) -> Image.Image:
    return opened(image_thumbnails(data, LIMIT)[2]).convert("RGB")


def test_three_white_padded_jpeg_squares_at_their_qualities() -> None:
    thumbs = image_thumbnails(samples.jpeg(1000, 500), LIMIT)
    assert [(t.size, t.content_type, t.extension) for t in thumbs] == [
        (s, "image/jpeg", ".jpg") for s in ("small", "medium", "large")
    ]
    for t, box, quality in zip(thumbs, (150, 400, 800), (80, 85, 90), strict=True):
        im = opened(t)
        assert isinstance(im, JpegImageFile)
        assert (im.format, im.size) == ("JPEG", (box, box))
        reference = Image.open(
            io.BytesIO(samples.encode(Image.new("RGB", (8, 8)), "JPEG", quality=quality))
        )
        assert isinstance(reference, JpegImageFile)
        assert im.quantization == reference.quantization
        rgb = im.convert("RGB")
        assert is_white(rgb.getpixel((box // 2, box // 20)))  # padding above the 2:1 picture
        assert is_red(rgb.getpixel((box // 2, box // 2)))
        assert is_red(rgb.getpixel((box // 20, box // 2)))  # full width used


def test_small_images_are_centred_not_enlarged() -> None:
    im = large(samples.jpeg(100, 50))  # pasted at x 350..449, y 375..424
    assert is_red(im.getpixel((355, 400))) and is_red(im.getpixel((445, 400)))
    assert is_white(im.getpixel((340, 400))) and is_white(im.getpixel((460, 400)))
    assert is_white(im.getpixel((400, 365))) and is_white(im.getpixel((400, 435)))


def test_exif_orientation_is_applied() -> None:
    im = large(samples.jpeg(1000, 500, orientation=6))  # shown as 500x1000: padding left/right
    assert is_white(im.getpixel((20, 400))) and is_red(im.getpixel((400, 20)))


def test_metadata_is_stripped() -> None:
    for t in image_thumbnails(samples.jpeg(600, 400, orientation=3, gps=True), LIMIT):
        im = opened(t)
        assert not im.getexif() and "icc_profile" not in im.info
        assert b"Exif\x00\x00" not in t.data and b"ICC_PROFILE" not in t.data


def test_transparency_is_flattened_onto_white() -> None:
    im = large(samples.transparent_png())
    assert is_white(im.getpixel((10, 10))) and is_red(im.getpixel((400, 400)))


def test_animated_gif_uses_its_first_frame() -> None:
    assert is_red(large(samples.animated_gif()).getpixel((400, 400)))


@pytest.mark.parametrize(
    ("fmt", "params"),
    [("PNG", {}), ("WEBP", {"quality": 90}), ("TIFF", {}), ("BMP", {}), ("HEIF", {"quality": 90}),
     ("GIF", {})],
)  # fmt: skip
def test_supported_formats(fmt: str, params: dict[str, int]) -> None:
    data = samples.encode(Image.new("RGB", (640, 480), samples.RED), fmt, **params)
    assert is_red(large(data).getpixel((400, 400)))


def test_cmyk_jpeg_becomes_rgb() -> None:
    data = samples.encode(Image.new("CMYK", (300, 200), (0, 255, 255, 0)), "JPEG")
    assert is_red(large(data).getpixel((400, 400)))


def test_sixteen_bit_grayscale_keeps_its_tones() -> None:
    ramp = Image.linear_gradient("L").resize((400, 400)).convert("I").point(lambda v: v * 257)
    middle = large(samples.encode(ramp.convert("I;16"), "PNG")).getpixel((400, 400))
    assert isinstance(middle, tuple) and 80 < middle[0] < 180


def test_jpeg_is_decoded_once_at_reduced_dct_scale() -> None:
    data = samples.encode(Image.new("RGB", (4000, 3000), samples.RED), "JPEG")
    assert decode(data, LIMIT, 800).size == (1000, 750)


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (samples.corrupt_jpeg(), "corrupt or truncated JPEG image"),
        (samples.truncated_png(), "corrupt or truncated PNG image"),
        (samples.png_bomb(), "image has 900000000 pixels, over the limit of 50000000 pixels"),
        (b"%!PS-Adobe-3.0 not an image\n" * 20, "not an image in a supported format"),
        (samples.encode(Image.new("RGB", (50, 50)), "PCX"), "not an image in a supported format"),
        (b"", "not an image in a supported format"),
    ],
    ids=["corrupt-jpeg", "truncated-png", "png-bomb", "text", "pcx", "empty"],
)
def test_bad_images_raise_readable_errors(data: bytes, complaint: str) -> None:
    with pytest.raises(ThumbnailError, match=complaint):
        image_thumbnails(data, LIMIT)


def test_pixel_limit_is_a_hard_error() -> None:
    data = samples.encode(Image.new("RGB", (2000, 1000)), "PNG")
    with pytest.raises(
        ThumbnailError, match=r"2000x1000 \(2000000 pixels\), over the limit of 1999999"
    ):
        image_thumbnails(data, 1_999_999)


@pytest.mark.parametrize(
    ("width", "height", "sizes"),
    [(612, 792, [(116, 150), (310, 400), (619, 800)]), (792, 612, [(150, 116), (400, 310), (800, 619)]),
     (100, 50, [(150, 75), (400, 200), (800, 400)])],
)  # fmt: skip
def test_pdf_first_page_keeps_its_aspect(
    width: int, height: int, sizes: list[tuple[int, int]]
) -> None:
    thumbs = pdf_thumbnails(samples.pdf(width, height, pages=2), max_pages=10)
    assert [(t.size, t.content_type, t.extension) for t in thumbs] == [
        (s, "image/png", ".png") for s in ("small", "medium", "large")
    ]
    images = [opened(t) for t in thumbs]
    assert [(im.format, im.size) for im in images] == [("PNG", s) for s in sizes]
    assert all(is_red(im.convert("RGB").getpixel((im.width // 2, im.height // 2))) for im in images)


@pytest.mark.parametrize(
    ("data", "complaint"),
    [(samples.encrypted_pdf(), "encrypted with a password"), (b"", "not a readable PDF"),
     (b"%PDF-1.7\n%%EOF\n", "not a readable PDF"), (samples.jpeg(), "not a readable PDF"),
     (samples.pdf(pages=3), "3 pages, over the limit of 2")],
    ids=["encrypted", "empty", "no-objects", "jpeg", "too-many-pages"],
)  # fmt: skip
def test_bad_pdfs_raise_readable_errors(data: bytes, complaint: str) -> None:
    with pytest.raises(ThumbnailError, match=complaint):
        pdf_thumbnails(data, max_pages=2)


def test_pdfs_render_safely_from_many_threads() -> None:
    data = samples.pdf()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: pdf_thumbnails(data, 10), range(8)))
    assert all(r == results[0] for r in results)


@pytest.mark.parametrize(
    ("file_type", "expected"),
    [("application/pdf", True), ("application/x-pdf", True), (" PDF ", True),
     ("Application/PDF", True), ("image/pdf", False), ("application/pdf; x=1", False), ("", False)],
)  # fmt: skip
def test_pdf_detection_follows_the_go_worker(file_type: str, expected: bool) -> None:
    assert is_pdf_type(file_type) is expected
