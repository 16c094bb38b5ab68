"""Thumbnails, the detail and flat patches, SSIM and channel means: what a signature keeps of an image."""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage.metrics import structural_similarity

from .images import SCALE, alpha_array, float_array, has_alpha, luminance, to_rgb, to_rgba

THUMB_SIDE = 64  # overview thumbnail, longest side
DETAIL_INPUT_PX = 16  # detail window on the input; SCALE times that on the output
FLAT_MARGIN = 3  # input pixels around the flat window that must be flat too


def thumbnail(im: Image.Image, side: int = THUMB_SIDE) -> Image.Image:
    """A small overview, longest side ``side``, antialiased; RGBA if the image has alpha, else RGB."""
    small = to_rgba(im) if has_alpha(im) else to_rgb(im)
    scale = side / max(small.size)
    size = (max(1, round(small.width * scale)), max(1, round(small.height * scale)))
    # Pillow resizes RGBA premultiplied, so hidden colour under transparency does not bleed in.
    return small.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def detail_box(input_im: Image.Image, window: int = DETAIL_INPUT_PX, scale: int = SCALE) -> tuple[int, int, int, int]:
    """Where, in output pixels, the detail patch goes: the input's most textured window.

    Chosen from the input alone, so golden and candidate are always cut at the same place.
    """
    gray = luminance(float_array(to_rgb(input_im)))
    window = min(window, gray.shape[0], gray.shape[1])
    energy = ndimage.sobel(gray, 0) ** 2 + ndimage.sobel(gray, 1) ** 2
    local = ndimage.uniform_filter(energy, size=window, mode="constant")
    half = window // 2
    valid = local[half: gray.shape[0] - (window - half) + 1, half: gray.shape[1] - (window - half) + 1]
    y, x = np.unravel_index(int(np.argmax(valid)), valid.shape)  # argmax: first of ties, deterministic
    return (int(x) * scale, int(y) * scale, (int(x) + window) * scale, (int(y) + window) * scale)


def flat_box(input_im: Image.Image, window: int = DETAIL_INPUT_PX, scale: int = SCALE) -> tuple[int, int, int, int]:
    """Where, in output pixels, the flat patch goes: the input's smoothest opaque mid-tone window.

    Added noise and blocking show best where the picture is flat; clipped (near black or white)
    and transparent windows would hide them, so they are avoided while any other window exists.
    """
    rgb = float_array(to_rgb(input_im))
    gray = luminance(rgb)
    window = min(window, gray.shape[0], gray.shape[1])
    # Judge a margin around the window too: an upscaler's kernel carries nearby edges into it.
    judged = window + 2 * FLAT_MARGIN
    mean = ndimage.uniform_filter(gray, size=judged, mode="nearest")
    var = ndimage.uniform_filter(gray * gray, size=judged, mode="nearest") - mean * mean
    lo = ndimage.minimum_filter(rgb.min(axis=2), size=window, mode="nearest")
    hi = ndimage.maximum_filter(rgb.max(axis=2), size=window, mode="nearest")
    opaque = ndimage.minimum_filter(alpha_array(input_im), size=judged, mode="nearest") >= 255
    # Clipped or transparent windows cost more than any real texture, so they are a last resort.
    score = var + 1e6 * ((lo < 6) | (hi > 249) | ~opaque)
    half = window // 2
    valid = score[half: gray.shape[0] - (window - half) + 1, half: gray.shape[1] - (window - half) + 1]
    y, x = np.unravel_index(int(np.argmin(valid)), valid.shape)
    return (int(x) * scale, int(y) * scale, (int(x) + window) * scale, (int(y) + window) * scale)


def detail_patch(output_im: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    """The output's window at native resolution (RGB over the fixed background)."""
    return to_rgb(output_im).crop(box)


def ssim(a: Image.Image, b: Image.Image) -> float:
    """SSIM of two images seen over the fixed background (b is resized to a's size if they differ)."""
    if a.size != b.size:
        b = b.resize(a.size, Image.Resampling.LANCZOS)
    x, y = float_array(to_rgb(a)), float_array(to_rgb(b))
    win = min(7, x.shape[0], x.shape[1])
    win -= 1 - win % 2  # odd
    if win < 3:
        return 1.0 if np.array_equal(x, y) else 0.0
    return float(structural_similarity(x, y, channel_axis=2, data_range=255, gaussian_weights=True,
                                       sigma=1.5, use_sample_covariance=False, win_size=win))


def channel_means(im: Image.Image, weight: np.ndarray | None = None) -> tuple[float, float, float]:
    """Mean R, G, B over the fixed background, weighted (e.g. by alpha: where the picture is)."""
    rgb = float_array(to_rgb(im)).reshape(-1, 3)
    w = np.ones(len(rgb), dtype=np.float32) if weight is None else weight.reshape(-1).astype(np.float32)
    r, g, b = (rgb * w[:, None]).sum(axis=0) / max(float(w.sum()), 1e-6)
    return float(r), float(g), float(b)
