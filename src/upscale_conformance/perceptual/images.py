"""Decoding and colour modes: every measure sees an image the same way (oriented, over one background)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from ..contract import SCALE  # noqa: F401 - the perceptual modules take it from here

BACKGROUND = (128, 128, 128)


ImageSource = bytes | str | Path | Image.Image


def open_image(source: ImageSource) -> Image.Image:
    """Decode bytes, a path or an image and apply its EXIF orientation (what a user sees)."""
    if isinstance(source, Image.Image):
        im = source
    else:
        im = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
        im.load()
    return ImageOps.exif_transpose(im) or im


def _to_8bit(im: Image.Image) -> Image.Image:
    """16-bit and float modes to L: Pillow's own conversion clips instead of scaling."""
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        arr = np.asarray(im, dtype=np.float64)
        peak = 65535.0 if arr.max(initial=0) > 255 else 255.0
        return Image.fromarray(np.clip(arr * (255.0 / peak), 0, 255).round().astype(np.uint8))
    return im


def has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (im.mode == "P" and "transparency" in im.info)


def to_rgba(im: Image.Image) -> Image.Image:
    """Any mode to RGBA (CMYK, palette with transparency and 16-bit included)."""
    im = _to_8bit(im)
    if im.mode == "RGBA":
        return im
    if im.mode == "CMYK":
        im = im.convert("RGB")
    return im.convert("RGBA")


def to_rgb(im: Image.Image, background: tuple[int, int, int] = BACKGROUND) -> Image.Image:
    """RGB as seen over a fixed background, so hidden colour under transparency never counts."""
    if not has_alpha(im):
        im = _to_8bit(im)
        return im if im.mode == "RGB" else im.convert("RGB")
    rgba = to_rgba(im)
    base = Image.new("RGBA", rgba.size, (*background, 255))
    return Image.alpha_composite(base, rgba).convert("RGB")


def alpha_array(im: Image.Image) -> np.ndarray:
    """The alpha plane as float32 (all 255 when the image has none)."""
    if not has_alpha(im):
        return np.full((im.height, im.width), 255.0, dtype=np.float32)
    return np.asarray(to_rgba(im).getchannel("A"), dtype=np.float32)


def float_array(im: Image.Image) -> np.ndarray:
    """The pixels as float32 (0-255): what every measure computes on."""
    return np.asarray(im, dtype=np.float32)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of an HxWx3 float array."""
    return rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def fit_within(im: Image.Image, side: int) -> Image.Image:
    """Box-downscale so the longest side is at most ``side`` (box: no ringing, fast, exact area)."""
    if max(im.size) <= side:
        return im
    scale = side / max(im.size)
    return im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))), Image.Resampling.BOX)


def png_bytes(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
