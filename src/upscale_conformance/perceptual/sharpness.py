"""Sharpness: the output's detail against a plain bicubic upscale of the input."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image
from scipy import ndimage

from .images import SCALE, float_array, luminance, to_rgb

SHARPNESS_SIDE = 1024  # sharpness is measured on a central crop at most this large


def gradient_energy(gray: np.ndarray) -> float:
    """Mean squared Sobel gradient: a sharpness measure that grows with edge contrast and detail."""
    return float(np.mean(ndimage.sobel(gray, 0) ** 2 + ndimage.sobel(gray, 1) ** 2))


def bicubic_upscale(input_im: Image.Image, scale: int = SCALE) -> Image.Image:
    rgb = to_rgb(input_im)
    return rgb.resize((rgb.width * scale, rgb.height * scale), Image.Resampling.BICUBIC)


def central_crop(gray: np.ndarray, side: int) -> np.ndarray:
    """The centre ``side`` x ``side`` of a 2-D array (all of it along an axis shorter than ``side``)."""
    h, w = gray.shape
    y0, x0 = max(0, (h - side) // 2), max(0, (w - side) // 2)
    return gray[y0: y0 + side, x0: x0 + side]


def sharpness_ratio(input_im: Image.Image, output_im: Image.Image) -> float:
    """Gradient energy of the output over that of a plain bicubic 4x of the input (1.0: as sharp)."""
    rgb = to_rgb(input_im)  # what bicubic_upscale starts from; also drops a palette the cache key cannot carry
    size, e_ref = _reference_energy(rgb.size, rgb.tobytes())
    out = to_rgb(output_im)
    if out.size != size:
        out = out.resize(size, Image.Resampling.BICUBIC)
    e_out = gradient_energy(central_crop(luminance(float_array(out)), SHARPNESS_SIDE))
    return e_out / e_ref if e_ref > 0 else 1.0


@lru_cache(maxsize=16)
def _reference_energy(size: tuple[int, int], pixels: bytes) -> tuple[tuple[int, int], float]:
    """The bicubic reference of one input, computed once: every mode and model of a golden run
    compares against the same input, so the reference repeats three times per input."""
    reference = bicubic_upscale(Image.frombytes("RGB", size, pixels))
    return reference.size, gradient_energy(central_crop(luminance(float_array(reference)), SHARPNESS_SIDE))
