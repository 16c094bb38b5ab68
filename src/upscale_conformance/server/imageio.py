"""Reading uploads safely and writing answers quickly.

Safety: :func:`probe` reads only the header (format, stored size, EXIF orientation), so the
caller can refuse an oversized image or a decompression bomb before a single pixel is allocated.
:func:`decode` then decodes, applies the EXIF orientation and brings every colour mode down to
one of four working modes (L, LA, RGB, RGBA), keeping alpha.

Speed: PNG is the default answer and a 16 MP PNG through zlib costs most of a request, so PNGs are
written by :mod:`.parallel.png` (ISA-L's deflate, faster and smaller than fpng on one core, and the
same writer that the strip path uses on every core).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from .. import orientation
from .parallel import jpeg, png

INPUT_FORMATS = ("PNG", "JPEG", "WEBP")
WORKING_MODES = ("L", "LA", "RGB", "RGBA")
# The most pixels this server ever decodes, whatever the request asks (downscaleIfNeeded=always
# accepts oversized input): 36 MP of RGBA is 144 MB, a bounded cost per request.
MAX_DECODE_PIXELS = 36_000_000
WEBP_QUALITY = 90
AVIF_QUALITY = 90


class ImageError(ValueError):
    """The upload is not an image this server can read; the message says why (safe to show)."""


class BombError(ImageError):
    """The header claims so many pixels that decoding could exhaust memory (Pillow's bound)."""


@dataclass(frozen=True)
class Probe:
    """What the header says, before any pixel is decoded."""

    format: str
    stored_size: tuple[int, int]
    orientation: int

    @property
    def size(self) -> tuple[int, int]:
        """The size a user sees: the stored size with the EXIF rotation applied."""
        return orientation.shown_size(self.stored_size, self.orientation)


def probe(data: bytes) -> Probe:
    """Read format, size and orientation from the header only.

    >>> buf = io.BytesIO(); Image.new("RGB", (3, 2)).save(buf, "PNG")
    >>> probe(buf.getvalue())
    Probe(format='PNG', stored_size=(3, 2), orientation=1)
    """
    with _open(data) as im:
        return Probe(im.format, im.size, orientation.read(im))


def decode(data: bytes, max_pixels: int = MAX_DECODE_PIXELS) -> Image.Image:
    """Decode, apply the EXIF orientation, and normalise to L, LA, RGB or RGBA."""
    im = _open(data)  # no context manager: closing would invalidate the image returned
    w, h = im.size
    if w * h > max_pixels:
        raise ImageError(f"image is {w}x{h} = {w * h:,} pixels; this server decodes at most "
                         f"{max_pixels:,} pixels")
    try:
        im.load()
    except Exception as exc:  # truncated or corrupt data: Pillow raises many kinds
        raise ImageError(f"imageFile could not be decoded as {im.format}: {exc}") from None
    if orientation.read(im) != 1:
        im = ImageOps.exif_transpose(im)
    return normalise(im)


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        # Pillow warns on big headers; the caller compares the size with its own, smaller limits.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data), formats=INPUT_FORMATS)
        except Image.DecompressionBombError as exc:
            raise BombError(f"imageFile looks like a decompression bomb: {exc}") from None
        except Exception:
            raise ImageError("imageFile is not a PNG, JPEG or WebP image") from None


def normalise(im: Image.Image) -> Image.Image:
    """Bring any decoded mode to L, LA, RGB or RGBA; alpha is kept, 16-bit is scaled to 8-bit.

    >>> normalise(Image.new("I;16", (1, 1), 0x8000)).getpixel((0, 0))
    128
    """
    mode = im.mode
    if mode in WORKING_MODES:
        return im
    if mode.startswith("I"):  # I;16*, and I from older PNG readers: 16-bit grey, keep the high byte
        grey = np.asarray(im).astype(np.uint32) >> 8
        return Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8), "L")
    if mode == "F":
        return Image.fromarray(np.clip(np.asarray(im), 0, 255).astype(np.uint8), "L")
    if mode == "P":
        return im.convert("RGBA" if im.has_transparency_data else "RGB")
    if mode in ("1", "L"):
        return im.convert("L")
    if mode in ("La", "PA"):
        return im.convert("LA") if mode == "La" else im.convert("RGBA")
    if mode in ("RGBa", "RGBX"):
        return im.convert("RGBA" if mode == "RGBa" else "RGB")
    return im.convert("RGBA" if "A" in im.getbands() else "RGB")  # CMYK, YCbCr, LAB, HSV


# --- encoding ------------------------------------------------------------------------------------


# The largest side each encoder can write (measured with Pillow 13: JPEG 65,500, WebP 16,383; a PNG
# has no practical limit).
MAX_SIDE = {"jpeg": 65_500, "jpg": 65_500, "webp": 16_383}


def check_encodable(size: tuple[int, int], export_format: str) -> None:
    """Raise ImageError if an output of ``size`` cannot be written in ``export_format``.

    >>> check_encodable((200, 16_383), "webp")
    >>> check_encodable((200, 80_000), "webp")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    upscale_conformance.server.imageio.ImageError: a 200x80000 output is larger than webp can hold ...
    """
    most = MAX_SIDE.get(export_format.lower())
    if most is not None and max(size) > most:
        raise ImageError(f"a {size[0]}x{size[1]} output is larger than {export_format} can hold "
                         f"({most} pixels per side); ask for export.format=png")


def encode(im: Image.Image, export_format: str) -> bytes:
    """Encode an L/LA/RGB/RGBA image as ``export_format`` (png, jpeg, jpg, webp, avif)."""
    fmt = export_format.lower()
    if fmt == "png":
        return encode_png(im)
    if fmt in ("jpeg", "jpg"):
        return jpeg.encode(flatten(im))  # the strip path's writer too, so one quality and one set of tables
    if fmt == "webp":
        return _save(im, "WEBP", quality=WEBP_QUALITY, method=4)
    if fmt == "avif":
        return _save(im, "AVIF", quality=AVIF_QUALITY, speed=8)
    raise ValueError(f"unknown export format {export_format!r}")


def encode_png(im: Image.Image) -> bytes:
    """Any working mode (L, LA, RGB, RGBA), in one deflate piece."""
    return png.encode(im)


def flatten(im: Image.Image) -> Image.Image:
    """JPEG carries no alpha: composite on white, as a viewer would show a transparent image."""
    if im.mode not in ("LA", "RGBA"):
        return im
    base = Image.new(im.mode, im.size, (255,) * len(im.getbands()))
    return Image.alpha_composite(base.convert("RGBA"), im.convert("RGBA")).convert(im.mode[:-1])


def _save(im: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()
