"""Hostile image bytes, made on the spot: bombs, truncations, wrong magic, animations, odd EXIF.

Every builder is deterministic and cheap (the largest, a 5000x5000 PNG of zeros, compresses to
25 KB in a tenth of a second and is cached), so the battery costs the suite little.
"""

from __future__ import annotations

import io
import struct
import zlib
from functools import lru_cache

import numpy as np
from PIL import Image

from ..orientation import TAG as ORIENTATION_TAG

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def picture(width: int, height: int, seed: int = 7) -> Image.Image:
    """An RGB picture with a gradient and noise (noise keeps files large enough to cut in half)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([x * 255 // max(1, width - 1), y * 255 // max(1, height - 1),
                    rng.integers(0, 256, (height, width))], axis=-1).astype(np.uint8)
    return Image.fromarray(rgb, "RGB")


def encoded(im: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def png(width: int = 40, height: int = 30) -> bytes:
    return encoded(picture(width, height), "PNG")


def jpeg(width: int = 40, height: int = 30) -> bytes:
    return encoded(picture(width, height), "JPEG", quality=90)


def webp(width: int = 40, height: int = 30) -> bytes:
    return encoded(picture(width, height), "WEBP", quality=90)


# --- PNG chunks ----------------------------------------------------------------------------------


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def ihdr(width: int, height: int, colour_type: int = 2) -> bytes:
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` RGB, followed by a few bytes of pixel data."""
    return PNG_SIGNATURE + ihdr(width, height) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


@lru_cache(maxsize=4)
def png_of_zeros(side: int) -> bytes:
    """A real, complete greyscale PNG of ``side`` x ``side`` black pixels (``side`` a multiple of
    100): tiny on the wire, huge decoded."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_RLE)  # run-length: fast on zeros
    rows = b"\x00" * (side + 1) * 100  # a hundred rows: filter byte + pixels each
    data = b"".join(squeeze.compress(rows) for _ in range(side // 100)) + squeeze.flush()
    return PNG_SIGNATURE + ihdr(side, side, colour_type=0) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def png_bad_crc() -> bytes:
    """A valid PNG whose IHDR checksum is wrong."""
    data = bytearray(png())
    data[29] ^= 0xFF  # the last byte of IHDR's CRC (8 signature + 4 length + 4 type + 13 data)
    return bytes(data)


@lru_cache(maxsize=1)
def png_ztxt_bomb(megabytes: int = 16) -> bytes:
    """A valid 40x30 PNG carrying a zTXt chunk that inflates to ``megabytes`` MB of text."""
    body = png()
    text = chunk(b"zTXt", b"Comment\x00\x00" + _zeros_deflated(megabytes << 20))
    return body[:33] + text + body[33:]  # right after IHDR


def _zeros_deflated(size: int) -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    block = b"\x00" * (1 << 20)
    return b"".join(squeeze.compress(block) for _ in range(size >> 20)) + squeeze.flush()


def png_zero_size() -> bytes:
    return PNG_SIGNATURE + ihdr(0, 0) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def apng(frames: int = 3) -> bytes:
    ims = [picture(40, 30, seed=s) for s in range(frames)]
    return encoded(ims[0], "PNG", save_all=True, append_images=ims[1:], duration=100, loop=0)


def png_16bit() -> bytes:
    grey = np.asarray(picture(40, 30).convert("L"), dtype=np.uint16) * 257
    return encoded(Image.fromarray(grey), "PNG")  # uint16 gives mode I;16, saved as 16-bit grey


# --- JPEG ----------------------------------------------------------------------------------------


def _marker(data: bytes, code: int) -> int:
    return data.index(bytes((0xFF, code)))


def jpeg_header_only() -> bytes:
    """A JPEG cut just before its scan: tables and frame header, no pixel data at all."""
    data = jpeg()
    return data[: _marker(data, 0xDA)]


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) is rewritten to claim ``width`` x ``height``."""
    data = bytearray(jpeg(16, 16))
    sof = _marker(bytes(data), 0xC0)
    data[sof + 5: sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg_cmyk() -> bytes:
    return encoded(picture(40, 30).convert("CMYK"), "JPEG", quality=90)


def jpeg_with_exif(exif: bytes, side: int = 40) -> bytes:
    """A square JPEG (so any orientation has the same size) carrying a raw EXIF block."""
    return encoded(picture(side, side), "JPEG", quality=90, exif=exif)


def exif_orientation(value: int) -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = value
    return exif.tobytes()


def exif_corrupt() -> bytes:
    """An EXIF block whose IFD offset points past its end and whose entries are noise."""
    return b"Exif\x00\x00MM\x00\x2a\x7f\xff\xff\xf0" + bytes(range(256)) * 2


def exif_ifd_loop() -> bytes:
    """An EXIF block whose IFD0 names itself as the next IFD and as its Exif sub-IFD (a cycle)."""
    entries = [(ORIENTATION_TAG, 3, 1, 6 << 16), (0x8769, 4, 1, 8)]  # orientation 6; Exif IFD at offset 8 (itself)
    ifd = struct.pack(">H", len(entries)) + b"".join(struct.pack(">HHII", *e) for e in entries)
    return b"Exif\x00\x00MM\x00\x2a" + struct.pack(">I", 8) + ifd + struct.pack(">I", 8)


# --- other containers ----------------------------------------------------------------------------


def webp_header_only() -> bytes:
    return b"RIFF" + struct.pack("<I", 4) + b"WEBP"


def animated(fmt: str, frames: int = 3) -> bytes:
    ims = [picture(40, 30, seed=s) for s in range(frames)]
    if fmt == "GIF":
        ims = [im.convert("P") for im in ims]
    return encoded(ims[0], fmt, save_all=True, append_images=ims[1:], duration=100, loop=0)


def tiff_pages(pages: int = 3) -> bytes:
    ims = [picture(40, 30, seed=s) for s in range(pages)]
    return encoded(ims[0], "TIFF", save_all=True, append_images=ims[1:])


def gif_claiming(width: int, height: int) -> bytes:
    """A one-pixel GIF whose screen and image descriptors claim ``width`` x ``height``."""
    data = bytearray(encoded(Image.new("P", (1, 1)), "GIF"))
    data[6:10] = struct.pack("<HH", width, height)
    desc = data.index(b",")  # the image descriptor
    data[desc + 5: desc + 9] = struct.pack("<HH", width, height)
    return bytes(data)


def noise_bytes(size: int, seed: int = 3) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()
