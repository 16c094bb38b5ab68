"""The round trip: the output scaled back down to the input's size, and the evidence it gives."""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage.registration import phase_cross_correlation

from .images import alpha_array, fit_within, float_array, has_alpha, luminance, to_rgb

METRIC_SIDE = 512  # round-trip metrics run at most at this size
PERMUTATIONS = tuple(itertools.permutations(range(3)))


@dataclass(frozen=True)
class RoundTrip:
    """Evidence from scaling the output back to the input's size. Units: 0-255 levels, input pixels."""

    psnr: float
    mae: tuple[float, float, float]
    mean_shift: tuple[float, float, float]  # output minus input, per channel
    correlation: float  # luminance, Pearson
    geometry: dict[str, float]  # luminance correlation with each orientation of the input
    shift: tuple[float, float]  # (dx, dy): where the content moved to, in input pixels
    channel_order: str  # which input channel each output channel best matches, e.g. "BGR"
    channel_gain: float  # best permutation's MSE over identity's (1 = no better)
    chroma_ratio: float  # output chroma / input chroma (nan: the input is gray)
    contrast_ratio: float  # luminance standard deviation, output / input
    alpha_mae: float  # 0 when neither image has alpha
    size_ratio: tuple[float, float]  # output size / input size per axis
    shift_error_ratio: float = 1.0  # error with the input moved by `shift`, over the error as sent
    input_spread: float = 0.0  # luminance standard deviation of the input, levels
    output_mean: tuple[float, float, float] = (0.0, 0.0, 0.0)  # of the output scaled back down

    def as_dict(self) -> dict:
        return asdict(self)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    den = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return float((a * b).sum() / den) if den > 0 else (1.0 if np.allclose(a, b) else 0.0)


def _chroma(rgb: np.ndarray) -> float:
    return float((rgb.max(axis=2) - rgb.min(axis=2)).mean())


FLAT_SPREAD = 0.5  # levels: below this luminance spread an image is flat and has no position to measure


def _estimate_shift(reference: np.ndarray, moved: np.ndarray) -> tuple[float, float]:
    """Sub-pixel translation of ``moved`` against ``reference`` by windowed phase correlation.

    A flat image has no content to locate: phase correlation on it returns noise, so no shift.
    """
    if min(reference.shape) < 8 or min(float(reference.std()), float(moved.std())) < FLAT_SPREAD:
        return 0.0, 0.0
    window = np.outer(np.hanning(reference.shape[0]), np.hanning(reference.shape[1])).astype(np.float32)
    ref = (reference - reference.mean()) * window
    mov = (moved - moved.mean()) * window
    (dy, dx), _, _ = phase_cross_correlation(ref, mov, upsample_factor=8, normalization=None)
    return -float(dx), -float(dy)  # skimage returns the correction; we report the displacement


def _shift_error_ratio(reference: np.ndarray, moved: np.ndarray, shift: tuple[float, float]) -> float:
    """How much better ``reference`` moved by ``shift`` explains ``moved`` than as it is (1: no better).

    Phase correlation finds the strongest periodic agreement, which a tiled overlay (a sandbox
    watermark) can supply on its own; a real displacement also makes the pixels agree once undone.
    """
    dx, dy = shift
    if dx == 0 and dy == 0:
        return 1.0
    margin = int(math.ceil(max(abs(dx), abs(dy)))) + 1
    if min(reference.shape) <= 2 * margin + 4:
        return 1.0
    inner = (slice(margin, -margin), slice(margin, -margin))
    undone = ndimage.shift(reference, (dy, dx), order=1, mode="nearest")
    as_sent = float(np.mean((moved[inner] - reference[inner]) ** 2))
    if as_sent == 0:
        return 1.0
    return float(np.mean((moved[inner] - undone[inner]) ** 2)) / as_sent


def _orientations(gray: np.ndarray, transposed: bool) -> dict[str, np.ndarray]:
    """The input as each wrong orientation would show it (quarter turns only where the shape allows)."""
    quarter = {"rotated 90 clockwise": np.rot90(gray, -1), "rotated 90 counter-clockwise": np.rot90(gray, 1)}
    if transposed:  # the output's aspect is the input's turned by 90 degrees
        return quarter
    out = {"identity": gray, "mirrored": gray[:, ::-1], "flipped": gray[::-1, :], "rotated 180": gray[::-1, ::-1]}
    return out | quarter if gray.shape[0] == gray.shape[1] else out


def _alpha_weight(im: Image.Image, size: tuple[int, int]) -> np.ndarray:
    if not has_alpha(im):
        return np.ones((size[1], size[0]), dtype=np.float32)
    plane = Image.fromarray(alpha_array(im).astype(np.uint8)).resize(size, Image.Resampling.BOX)
    return float_array(plane) / 255.0


def roundtrip_distance(input_im: Image.Image, output_im: Image.Image) -> RoundTrip:
    """Scale the output back to the input's size (box filter) and measure how far it is from the input.

    Works for any output size: one with the input's aspect turned by 90 degrees is compared with
    the rotated input too, so a rotation is named instead of reported as noise.
    """
    iw, ih = input_im.size
    ow, oh = output_im.size
    transposed = iw != ih and abs(ow / oh - ih / iw) < abs(ow / oh - iw / ih) * 0.5
    inp_rgb = fit_within(to_rgb(input_im), METRIC_SIDE)
    size = inp_rgb.size
    down_im = to_rgb(output_im).resize(size if not transposed else size[::-1], Image.Resampling.BOX)
    inp, down = float_array(inp_rgb), float_array(down_im)
    y_in, y_down = luminance(inp), luminance(down)

    geometry = {name: _corr(g, y_down) for name, g in _orientations(y_in, transposed).items()}
    if transposed:
        geometry["identity"] = _corr(y_in, luminance(float_array(down_im.resize(size, Image.Resampling.BOX))))
        down = float_array(down_im.resize(size, Image.Resampling.BOX))
        y_down = luminance(down)

    diff = down - inp
    shift = _estimate_shift(y_in, y_down) if not transposed else (0.0, 0.0)
    # Colour shifts are judged where the input is visible: over transparency only background shows.
    weight = _alpha_weight(input_im, size)
    mean_shift = (diff * weight[..., None]).reshape(-1, 3).sum(axis=0) / max(float(weight.sum()), 1e-6)
    mse = float(np.mean(diff**2))
    psnr = float("inf") if mse == 0 else 10 * math.log10(255.0**2 / mse)
    errors = {p: float(np.mean((down - inp[..., list(p)]) ** 2)) for p in PERMUTATIONS}
    best = min(PERMUTATIONS, key=lambda p: (errors[p], p != (0, 1, 2)))
    in_chroma = _chroma(inp)
    std_in = float(y_in.std())
    alpha_mae = 0.0
    if has_alpha(input_im) or has_alpha(output_im):
        a_in = Image.fromarray(alpha_array(input_im).astype(np.uint8)).resize(size, Image.Resampling.BOX)
        a_out = Image.fromarray(alpha_array(output_im).astype(np.uint8)).resize(size, Image.Resampling.BOX)
        alpha_mae = float(np.mean(np.abs(float_array(a_out) - float_array(a_in))))
    return RoundTrip(
        psnr=psnr,
        mae=tuple(float(v) for v in np.abs(diff).reshape(-1, 3).mean(axis=0)),
        mean_shift=tuple(float(v) for v in mean_shift),
        correlation=_corr(y_in, y_down),
        geometry=geometry,
        shift=shift,
        shift_error_ratio=_shift_error_ratio(y_in, y_down, shift),
        channel_order="".join("RGB"[i] for i in best),
        channel_gain=errors[best] / errors[(0, 1, 2)] if errors[(0, 1, 2)] > 0 else 1.0,
        chroma_ratio=_chroma(down) / in_chroma if in_chroma >= 4.0 else float("nan"),
        contrast_ratio=float(y_down.std()) / std_in if std_in > 0 else 1.0,
        alpha_mae=alpha_mae,
        size_ratio=(ow / iw, oh / ih),
        input_spread=std_in,
        output_mean=tuple(float(v) for v in down.reshape(-1, 3).mean(axis=0)),
    )
