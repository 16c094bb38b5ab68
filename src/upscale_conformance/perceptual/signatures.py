"""The signature a golden stores of an output, and the distances between two signatures."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

from .hashes import HASH_KINDS, ImageHashes, hash_distances, image_hashes
from .images import alpha_array, float_array, luminance, to_rgb
from .patches import channel_means, detail_box, detail_patch, flat_box, ssim, thumbnail
from .sharpness import SHARPNESS_SIDE, central_crop, gradient_energy

# Octave bands of the output's luminance, as Gaussian scales in output pixels. At 4x, the band
# 4-8 px holds the input's finest detail: how an upscaler renders it is its fingerprint, and
# encoders barely touch it. Finer bands are where encoder noise lives: recorded, judged loosely.
BANDS = ((1.0, 2.0), (2.0, 4.0), (4.0, 8.0))


def band_energies(im: Image.Image) -> dict[str, float]:
    """Energy (levels squared) of each difference-of-Gaussians band of the luminance.

    The two coarse bands are measured on a 2x box-reduced copy (same bands, a quarter of the work).
    """
    gray = central_crop(luminance(float_array(to_rgb(im))), SHARPNESS_SIDE)
    h, w = (gray.shape[0] // 2) * 2, (gray.shape[1] // 2) * 2
    half = gray[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
    out = {}
    for (lo, hi), (plane, factor) in zip(BANDS, ((gray, 1), (half, 2), (half, 2)), strict=True):
        band = ndimage.gaussian_filter(plane, lo / factor) - ndimage.gaussian_filter(plane, hi / factor)
        out[f"{lo:g}-{hi:g}"] = float(np.mean(band**2))
    return out


@dataclass
class Signature:
    """What is kept of one output: enough to judge a later output, small enough for git.

    ``thumb``: overview (RGBA when the output has alpha); ``detail``: the most textured window at
    native resolution; ``flat``: the smoothest window, where added noise shows; ``bands``: see
    :func:`band_energies`.
    """

    width: int
    height: int
    hashes: ImageHashes
    thumb: Image.Image
    detail: Image.Image
    detail_box: tuple[int, int, int, int]
    flat: Image.Image
    flat_box: tuple[int, int, int, int]
    bands: dict[str, float]


def signature(input_im: Image.Image, output_im: Image.Image) -> Signature:
    """The signature of an output; patch positions come from the input, so they match across runs."""
    dbox, fbox = detail_box(input_im), flat_box(input_im)
    return Signature(output_im.width, output_im.height, image_hashes(output_im), thumbnail(output_im),
                     detail_patch(output_im, dbox), dbox, detail_patch(output_im, fbox), fbox,
                     band_energies(output_im))


REGRESSION_METRICS = ("band_4_8", "band_2_4", "band_1_2", "flat_noise", "detail_ssim", "detail_energy",
                      "thumb_ssim", "colour_shift", *HASH_KINDS)


def _log2_ratio(a: float, b: float, floor: float = 0.01) -> float:
    """|log2(b / a)|: 1.0 means half or double. ``floor`` keeps empty (flat) bands finite."""
    return abs(math.log2((b + floor) / (a + floor)))


def _same_size(candidate: Image.Image, golden: Image.Image) -> Image.Image:
    return candidate if candidate.size == golden.size else candidate.resize(golden.size, Image.Resampling.LANCZOS)


def _residual_noise(golden: Image.Image, candidate: Image.Image) -> float:
    """Pixel-scale noise added to a flat patch: the high-pass part of the difference, in levels.

    Upscaled content is smooth at the output's pixel scale, so a high-pass of the difference
    sees added noise and blocking while encoder error (mostly coarser) and colour shifts drop out.
    """
    diff = float_array(to_rgb(candidate)) - float_array(to_rgb(golden))
    planes = [diff[..., c] - ndimage.gaussian_filter(diff[..., c], 1.0) for c in range(3)]
    return float(np.sqrt(np.mean(np.square(planes))))


def signature_distances(golden: Signature, candidate: Signature) -> dict[str, float]:
    """Distances of a candidate from a golden, one number per metric in :data:`REGRESSION_METRICS`.

    ``band_*``: |log2| change of the band's energy (a swapped model, blur or sharpening);
    ``flat_noise``: pixel-scale noise added on the flat patch (levels); ``detail_ssim``,
    ``thumb_ssim``: SSIM (1 = same); ``detail_energy``: |log2| change of the detail patch's
    gradient energy; ``colour_shift``: largest per-channel mean difference of the thumbnails,
    weighted by the golden's alpha (levels); hashes: Hamming distances.
    """
    detail, flat = _same_size(candidate.detail, golden.detail), _same_size(candidate.flat, golden.flat)
    thumb = _same_size(candidate.thumb, golden.thumb)
    weight = alpha_array(golden.thumb) / 255.0
    g_means, c_means = channel_means(golden.thumb, weight), channel_means(thumb, weight)
    out: dict[str, float] = {
        f"band_{k.replace('-', '_')}": _log2_ratio(golden.bands[k], candidate.bands.get(k, 0.0))
        for k in golden.bands
    }
    out |= {
        "flat_noise": _residual_noise(golden.flat, flat),
        "detail_ssim": ssim(golden.detail, detail),
        "detail_energy": _log2_ratio(gradient_energy(luminance(float_array(golden.detail))),
                                     gradient_energy(luminance(float_array(detail))), floor=1.0),
        "thumb_ssim": ssim(golden.thumb, thumb),
        "colour_shift": max(abs(a - b) for a, b in zip(g_means, c_means, strict=True)),
    }
    out.update(hash_distances(golden.hashes, candidate.hashes))
    return out
