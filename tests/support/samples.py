"""Real image and PDF files for thumbnail tests, generated in a few milliseconds each."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pillow_heif
from PIL import Image, ImageCms

pillow_heif.register_heif_opener()

RED = (220, 20, 20)


def encode(im: Image.Image, fmt: str, **params: Any) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def photo(width: int, height: int) -> Image.Image:
    """A photo-like RGB image: gradients plus noise, so JPEG has real work to do."""
    noise = Image.effect_noise((width, height), 40).convert("L")
    ramp = Image.linear_gradient("L").resize((width, height))
    return Image.merge("RGB", (ramp, noise, ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))


def jpeg(width: int = 1000, height: int = 500, orientation: int = 1, gps: bool = False) -> bytes:
    """A red JPEG with an sRGB ICC profile; EXIF orientation and a GPS block on request."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    im = Image.new("RGB", (width, height), RED)
    return encode(im, "JPEG", quality=95, exif=exif, icc_profile=icc)


def corrupt_jpeg() -> bytes:
    """A real JPEG cut off halfway through its entropy-coded data. Overwriting bytes instead
    is not enough: libjpeg resynchronises and decodes a few percent of such files."""
    data = encode(photo(600, 400), "JPEG")
    return data[: len(data) // 2]


def truncated_png() -> bytes:
    return encode(photo(300, 300), "PNG")[:5000]


def transparent_png(width: int = 300, height: int = 300) -> bytes:
    """Fully transparent except a red square in the middle third."""
    im = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    im.paste((*RED, 255), (width // 3, height // 3, 2 * width // 3, 2 * height // 3))
    return encode(im, "PNG")


def animated_gif() -> bytes:
    """Two frames: a red first frame, then a blue one."""
    frames = [Image.new("RGB", (200, 100), c).convert("P") for c in (RED, (0, 0, 255))]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A valid 1-bit PNG of width x height zeros: ~110 kB on disk, 900 Mpx once decoded."""
    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row * 1000) for _ in range(height // 1000)) + packer.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def pdf(width_pt: int = 612, height_pt: int = 792, pages: int = 1) -> bytes:
    """A PDF of red pages of the given size in points (Pillow writes it at 72 dpi)."""
    im = [Image.new("RGB", (width_pt, height_pt), RED) for _ in range(pages)]
    return encode(im[0], "PDF", resolution=72.0, save_all=True, append_images=im[1:])


def encrypted_pdf() -> bytes:
    """A one-page PDF under the Standard security handler whose user password is unknown."""
    enc = (b"/Encrypt << /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <"
           + b"22" * 32 + b"> /P -4 >> /ID [<" + b"33" * 16 + b"> <" + b"33" * 16 + b">] ")  # fmt: skip
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>"]  # fmt: skip
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 4 /Root 1 0 R " + enc + b">>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
