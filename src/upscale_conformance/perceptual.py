"""Perceptual measures of an upscale: pure functions on decoded images, no I/O, no thresholds.

Two families live here:

* **golden-free (portable)**: :func:`roundtrip_distance` scales the output back down to the input
  and measures how far it is, with the evidence :func:`fidelity_verdict` needs to *name* a defect
  (mirrored, flipped, rotated, shifted, channel swap, grayscale, alpha, brightness or colour
  shift); :func:`sharpness_ratio` compares the output's detail with a plain bicubic upscale.
* **golden (regression)**: :func:`signature` condenses an output into perceptual hashes, octave
  band energies, a small overview thumbnail and two native-resolution patches;
  :func:`signature_distances` compares two signatures.

A thumbnail alone cannot tell upscalers apart: shrinking a 4x output to 64 px throws away exactly
the detail the upscaler added. So the signature keeps the energy of the output's finest octaves
(how an upscaler renders the input's finest detail is its fingerprint), a window at full output
resolution where the input has most texture (structure), and one where it is flattest (added
noise shows there first).

Alpha is compared by compositing over one fixed background, so the colour hidden under fully
transparent pixels (which encoders and engines treat freely) never counts. Heavy metrics run on
downsampled copies or central crops. Thresholds live in ``contracts/perceptual.yaml`` and are
applied by callers (:mod:`upscale_conformance.goldens`).
"""

from __future__ import annotations

import io
import itertools
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import imagehash
import numpy as np
from PIL import Image, ImageDraw, ImageOps
from scipy import ndimage
from skimage.metrics import structural_similarity
from skimage.registration import phase_cross_correlation

BACKGROUND = (128, 128, 128)
SCALE = 4
THUMB_SIDE = 64  # overview thumbnail, longest side
DETAIL_INPUT_PX = 16  # detail window on the input; SCALE times that on the output
FLAT_MARGIN = 3  # input pixels around the flat window that must be flat too
HASH_SIDE = 256  # hashes are computed on this downscale: same hash, a fraction of the time
METRIC_SIDE = 512  # round-trip metrics run at most at this size
SHARPNESS_SIDE = 1024  # sharpness is measured on a central crop at most this large

ImageSource = bytes | str | Path | Image.Image

# --- decoding and colour modes --------------------------------------------------------------------


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


def _array(im: Image.Image) -> np.ndarray:
    return np.asarray(im, dtype=np.float32)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of an HxWx3 float array."""
    return rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _fit(im: Image.Image, side: int) -> Image.Image:
    """Box-downscale so the longest side is at most ``side`` (box: no ringing, fast, exact area)."""
    if max(im.size) <= side:
        return im
    scale = side / max(im.size)
    return im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))), Image.Resampling.BOX)


def png_bytes(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


# --- hashes -----------------------------------------------------------------------------------------

HASH_KINDS = ("phash", "dhash", "whash", "colorhash")
COLORHASH_BINBITS = 3


@dataclass(frozen=True)
class ImageHashes:
    """imagehash hex digests: pHash, dHash, wHash (64 bits each) and colour hash (42 bits)."""

    phash: str
    dhash: str
    whash: str
    colorhash: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def image_hashes(im: Image.Image) -> ImageHashes:
    """Perceptual hashes of the image as seen over the fixed background."""
    small = _fit(to_rgb(im), HASH_SIDE)
    return ImageHashes(
        phash=str(imagehash.phash(small)),
        dhash=str(imagehash.dhash(small)),
        whash=str(imagehash.whash(small)),
        colorhash=str(imagehash.colorhash(small, binbits=COLORHASH_BINBITS)),
    )


def _parse_hash(kind: str, hexstr: str) -> imagehash.ImageHash:
    if kind == "colorhash":
        return imagehash.hex_to_flathash(hexstr, COLORHASH_BINBITS * 14)
    return imagehash.hex_to_hash(hexstr)


def hash_distances(a: ImageHashes, b: ImageHashes) -> dict[str, int]:
    """Hamming distance per hash kind (0: identical)."""
    return {k: int(_parse_hash(k, getattr(a, k)) - _parse_hash(k, getattr(b, k))) for k in HASH_KINDS}


# --- thumbnails, detail patch, SSIM -------------------------------------------------------------------


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
    gray = luminance(_array(to_rgb(input_im)))
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
    rgb = _array(to_rgb(input_im))
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
    x, y = _array(to_rgb(a)), _array(to_rgb(b))
    win = min(7, x.shape[0], x.shape[1])
    win -= 1 - win % 2  # odd
    if win < 3:
        return 1.0 if np.array_equal(x, y) else 0.0
    return float(structural_similarity(x, y, channel_axis=2, data_range=255, gaussian_weights=True,
                                       sigma=1.5, use_sample_covariance=False, win_size=win))


def channel_means(im: Image.Image, weight: np.ndarray | None = None) -> tuple[float, float, float]:
    """Mean R, G, B over the fixed background, weighted (e.g. by alpha: where the picture is)."""
    rgb = _array(to_rgb(im)).reshape(-1, 3)
    w = np.ones(len(rgb), dtype=np.float32) if weight is None else weight.reshape(-1).astype(np.float32)
    r, g, b = (rgb * w[:, None]).sum(axis=0) / max(float(w.sum()), 1e-6)
    return float(r), float(g), float(b)


def gradient_energy(gray: np.ndarray) -> float:
    """Mean squared Sobel gradient: a sharpness measure that grows with edge contrast and detail."""
    return float(np.mean(ndimage.sobel(gray, 0) ** 2 + ndimage.sobel(gray, 1) ** 2))


# --- signature (what a golden stores) and its distances --------------------------------------------

# Octave bands of the output's luminance, as Gaussian scales in output pixels. At 4x, the band
# 4-8 px holds the input's finest detail: how an upscaler renders it is its fingerprint, and
# encoders barely touch it. Finer bands are where encoder noise lives: recorded, judged loosely.
BANDS = ((1.0, 2.0), (2.0, 4.0), (4.0, 8.0))


def band_energies(im: Image.Image) -> dict[str, float]:
    """Energy (levels squared) of each difference-of-Gaussians band of the luminance.

    The two coarse bands are measured on a 2x box-reduced copy (same bands, a quarter of the work).
    """
    gray = _central_crop(luminance(_array(to_rgb(im))), SHARPNESS_SIDE)
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
    diff = _array(to_rgb(candidate)) - _array(to_rgb(golden))
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
        "detail_energy": _log2_ratio(gradient_energy(luminance(_array(golden.detail))),
                                     gradient_energy(luminance(_array(detail))), floor=1.0),
        "thumb_ssim": ssim(golden.thumb, thumb),
        "colour_shift": max(abs(a - b) for a, b in zip(g_means, c_means, strict=True)),
    }
    out.update(hash_distances(golden.hashes, candidate.hashes))
    return out


# --- round trip: the output scaled back down against the input ----------------------------------------

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

    def as_dict(self) -> dict:
        return asdict(self)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    den = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return float((a * b).sum() / den) if den > 0 else (1.0 if np.allclose(a, b) else 0.0)


def _chroma(rgb: np.ndarray) -> float:
    return float((rgb.max(axis=2) - rgb.min(axis=2)).mean())


def _estimate_shift(reference: np.ndarray, moved: np.ndarray) -> tuple[float, float]:
    """Sub-pixel translation of ``moved`` against ``reference`` by windowed phase correlation."""
    if min(reference.shape) < 8:
        return 0.0, 0.0
    window = np.outer(np.hanning(reference.shape[0]), np.hanning(reference.shape[1])).astype(np.float32)
    ref = (reference - reference.mean()) * window
    mov = (moved - moved.mean()) * window
    (dy, dx), _, _ = phase_cross_correlation(ref, mov, upsample_factor=8, normalization=None)
    return -float(dx), -float(dy)  # skimage returns the correction; we report the displacement


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
    return _array(plane) / 255.0


def roundtrip_distance(input_im: Image.Image, output_im: Image.Image) -> RoundTrip:
    """Scale the output back to the input's size (box filter) and measure how far it is from the input.

    Works for any output size: one with the input's aspect turned by 90 degrees is compared with
    the rotated input too, so a rotation is named instead of reported as noise.
    """
    iw, ih = input_im.size
    ow, oh = output_im.size
    transposed = iw != ih and abs(ow / oh - ih / iw) < abs(ow / oh - iw / ih) * 0.5
    inp_rgb = _fit(to_rgb(input_im), METRIC_SIDE)
    size = inp_rgb.size
    down_im = to_rgb(output_im).resize(size if not transposed else size[::-1], Image.Resampling.BOX)
    inp, down = _array(inp_rgb), _array(down_im)
    y_in, y_down = luminance(inp), luminance(down)

    geometry = {name: _corr(g, y_down) for name, g in _orientations(y_in, transposed).items()}
    if transposed:
        geometry["identity"] = _corr(y_in, luminance(_array(down_im.resize(size, Image.Resampling.BOX))))
        down = _array(down_im.resize(size, Image.Resampling.BOX))
        y_down = luminance(down)

    diff = down - inp
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
        alpha_mae = float(np.mean(np.abs(_array(a_out) - _array(a_in))))
    return RoundTrip(
        psnr=psnr,
        mae=tuple(float(v) for v in np.abs(diff).reshape(-1, 3).mean(axis=0)),
        mean_shift=tuple(float(v) for v in mean_shift),
        correlation=_corr(y_in, y_down),
        geometry=geometry,
        shift=_estimate_shift(y_in, y_down) if not transposed else (0.0, 0.0),
        channel_order="".join("RGB"[i] for i in best),
        channel_gain=errors[best] / errors[(0, 1, 2)] if errors[(0, 1, 2)] > 0 else 1.0,
        chroma_ratio=_chroma(down) / in_chroma if in_chroma >= 4.0 else float("nan"),
        contrast_ratio=float(y_down.std()) / std_in if std_in > 0 else 1.0,
        alpha_mae=alpha_mae,
        size_ratio=(ow / iw, oh / ih),
    )


@dataclass(frozen=True)
class FidelityLimits:
    """How far an honest upscale's round trip may stray (values from contracts/perceptual.yaml)."""

    min_psnr: float  # below: content differs
    geometry_margin: float  # another orientation must beat identity by this much correlation
    max_shift: float  # input pixels
    channel_gain: float  # a permutation must cut the MSE to this fraction to count as a swap
    min_chroma_ratio: float  # below: colour was dropped (grayscale)
    max_mean_shift: float  # 0-255 levels, per channel
    contrast_ratio: tuple[float, float]
    max_alpha_mae: float


@dataclass(frozen=True)
class FidelityVerdict:
    """The portable round-trip verdict. ``defect`` names what the failure looks like."""

    ok: bool
    defect: str | None
    message: str
    roundtrip: RoundTrip


def fidelity_verdict(rt: RoundTrip, limits: FidelityLimits) -> FidelityVerdict:
    """Name the first defect the round trip shows, most specific first; ok if none.

    Geometry goes first because a mirror also ruins every colour and shift measure after it.
    """

    def fail(defect: str, message: str) -> FidelityVerdict:
        return FidelityVerdict(False, defect, message, rt)

    others = {k: v for k, v in rt.geometry.items() if k != "identity"}
    identity = rt.geometry.get("identity", rt.correlation)
    if others:
        name, best = max(others.items(), key=lambda kv: kv[1])
        if best > identity + limits.geometry_margin:
            kind = "rotated" if name.startswith("rotated") else name
            return fail(kind, f"the output looks {name}: correlation {best:.3f} with the input {name}, "
                              f"{identity:.3f} as sent")
    dx, dy = rt.shift
    if math.hypot(dx, dy) > limits.max_shift:
        return fail("shifted", f"content moved by dx={dx:+.2f}, dy={dy:+.2f} input pixels")
    if rt.channel_order != "RGB" and rt.channel_gain < limits.channel_gain:
        return fail("channel-swap", f"output channels R,G,B match the input's {','.join(rt.channel_order)} "
                                    f"(error x{rt.channel_gain:.2f} of the straight order)")
    if not math.isnan(rt.chroma_ratio) and rt.chroma_ratio < limits.min_chroma_ratio:
        return fail("grayscale", f"colour dropped: chroma {rt.chroma_ratio:.0%} of the input's")
    if rt.alpha_mae > limits.max_alpha_mae:
        return fail("alpha", f"transparency changed: alpha differs by {rt.alpha_mae:.1f} levels on average")
    shifts = rt.mean_shift
    if max(abs(s) for s in shifts) > limits.max_mean_shift:
        same_sign = all(s > 0 for s in shifts) or all(s < 0 for s in shifts)
        spread = max(shifts) - min(shifts)
        text = ", ".join(f"{c} {s:+.1f}" for c, s in zip("RGB", shifts, strict=True))
        if same_sign and spread <= max(abs(s) for s in shifts) / 2:
            return fail("brightness", f"brightness changed ({text} levels)")
        return fail("colour-shift", f"colour cast ({text} levels)")
    low, high = limits.contrast_ratio
    if not low <= rt.contrast_ratio <= high:
        return fail("contrast", f"contrast changed: luminance spread x{rt.contrast_ratio:.2f}")
    if rt.psnr < limits.min_psnr:
        return fail("mismatch", f"scaled back down, the output differs from the input (PSNR {rt.psnr:.1f} dB)")
    return FidelityVerdict(True, None, f"round trip PSNR {rt.psnr:.1f} dB, correlation {rt.correlation:.3f}", rt)


# --- sharpness ------------------------------------------------------------------------------------------


def bicubic_upscale(input_im: Image.Image, scale: int = SCALE) -> Image.Image:
    rgb = to_rgb(input_im)
    return rgb.resize((rgb.width * scale, rgb.height * scale), Image.Resampling.BICUBIC)


def _central_crop(gray: np.ndarray, side: int) -> np.ndarray:
    h, w = gray.shape
    y0, x0 = max(0, (h - side) // 2), max(0, (w - side) // 2)
    return gray[y0: y0 + side, x0: x0 + side]


def sharpness_ratio(input_im: Image.Image, output_im: Image.Image) -> float:
    """Gradient energy of the output over that of a plain bicubic 4x of the input (1.0: as sharp)."""
    reference = bicubic_upscale(input_im)
    out = to_rgb(output_im)
    if out.size != reference.size:
        out = out.resize(reference.size, Image.Resampling.BICUBIC)
    e_out = gradient_energy(_central_crop(luminance(_array(out)), SHARPNESS_SIDE))
    e_ref = gradient_energy(_central_crop(luminance(_array(reference)), SHARPNESS_SIDE))
    return e_out / e_ref if e_ref > 0 else 1.0


# --- diff image for reports -------------------------------------------------------------------------------

PANEL = 160


def _heat(a: Image.Image, b: Image.Image, gain: float = 4.0) -> Image.Image:
    """Per-pixel luminance difference as a black-red-yellow-white heat map (gain: small errors show)."""
    if a.size != b.size:
        b = b.resize(a.size, Image.Resampling.LANCZOS)
    d = np.abs(luminance(_array(to_rgb(a))) - luminance(_array(to_rgb(b)))) * gain / 255.0
    d = np.clip(d, 0, 1)
    rgb = np.stack([np.clip(d * 3, 0, 1), np.clip(d * 3 - 1, 0, 1), np.clip(d * 3 - 2, 0, 1)], axis=2)
    return Image.fromarray((rgb * 255).astype(np.uint8))


def _panel(im: Image.Image, label: str, height: int = PANEL) -> Image.Image:
    rgb = to_rgb(im)
    width = max(1, round(rgb.width * height / rgb.height))
    resample = Image.Resampling.NEAREST if rgb.height < height / 2 else Image.Resampling.LANCZOS
    tile = Image.new("RGB", (width, height + 14), (255, 255, 255))
    tile.paste(rgb.resize((width, height), resample), (0, 14))
    ImageDraw.Draw(tile).text((2, 1), label, fill=(0, 0, 0))
    return tile


def _row(tiles: list[Image.Image]) -> Image.Image:
    gap = 6
    row = Image.new("RGB", (sum(t.width for t in tiles) + gap * (len(tiles) - 1), max(t.height for t in tiles)),
                    (255, 255, 255))
    x = 0
    for t in tiles:
        row.paste(t, (x, 0))
        x += t.width + gap
    return row


def diff_image(input_im: Image.Image, output_im: Image.Image, golden: Signature | None = None) -> bytes:
    """A PNG for reports: input | golden | output | heat map, then the same for the detail and the
    flat patch. Without a golden the reference is the input and the heat map shows the round trip.
    """
    rows = []
    if golden is not None:
        candidate = signature(input_im, output_im)
        rows.append(_row([_panel(input_im, "input"), _panel(golden.thumb, "golden"),
                          _panel(candidate.thumb, "output"), _panel(_heat(golden.thumb, candidate.thumb), "diff x4")]))
        for name, box, gold, cand in (("detail", golden.detail_box, golden.detail, candidate.detail),
                                      ("flat", golden.flat_box, golden.flat, candidate.flat)):
            x0, y0, x1, y1 = box
            window = to_rgb(input_im).crop((x0 // SCALE, y0 // SCALE, x1 // SCALE, y1 // SCALE))
            rows.append(_row([_panel(window, f"input {name}"), _panel(gold, f"golden {name}"),
                              _panel(cand, f"output {name}"), _panel(_heat(gold, cand, 8.0), "diff x8")]))
    else:
        down = to_rgb(output_im).resize(input_im.size, Image.Resampling.BOX)
        rows.append(_row([_panel(input_im, "input"), _panel(output_im, "output"),
                          _panel(down, "output / 4"), _panel(_heat(to_rgb(input_im), down), "diff x4")]))
    sheet = Image.new("RGB", (max(r.width for r in rows), sum(r.height for r in rows) + 6 * (len(rows) - 1)),
                      (255, 255, 255))
    y = 0
    for r in rows:
        sheet.paste(r, (0, y))
        y += r.height + 6
    return png_bytes(sheet)
