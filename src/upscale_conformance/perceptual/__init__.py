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

One module per job: :mod:`.images` (decoding, colour modes), :mod:`.hashes`, :mod:`.patches`
(thumbnail, detail and flat patches, SSIM), :mod:`.signatures`, :mod:`.roundtrip`,
:mod:`.fidelity`, :mod:`.sharpness` and :mod:`.diff` (the report image). Callers import this
package, so the split stays an internal matter.
"""

from __future__ import annotations

from ..lazy import exported, lazy_exports

# Loaded on first use (PEP 562): importing the checks or the goldens' layout does not load scipy and
# scikit-image until a measure is taken; every command starts faster.
_FROM = {
    ".diff": (
        "PANEL", "diff_image",
    ),
    ".fidelity": (
        "FidelityLimits", "FidelityVerdict", "fidelity_verdict",
    ),
    ".hashes": (
        "COLORHASH_BINBITS", "HASH_KINDS", "HASH_SIDE", "ImageHashes", "hash_distances", "image_hashes",
    ),
    ".images": (
        "BACKGROUND", "SCALE", "ImageSource", "alpha_array", "has_alpha", "luminance", "open_image", "png_bytes",
        "to_rgb", "to_rgba",
    ),
    ".patches": (
        "DETAIL_INPUT_PX", "FLAT_MARGIN", "THUMB_SIDE", "channel_means", "detail_box", "detail_patch", "flat_box",
        "ssim", "thumbnail",
    ),
    ".roundtrip": (
        "METRIC_SIDE", "PERMUTATIONS", "RoundTrip", "roundtrip_distance",
    ),
    ".sharpness": (
        "SHARPNESS_SIDE", "bicubic_upscale", "gradient_energy", "sharpness_ratio",
    ),
    ".signatures": (
        "BANDS", "REGRESSION_METRICS", "Signature", "band_energies", "signature", "signature_distances",
    ),
}


__getattr__ = lazy_exports(__name__, _FROM)
__all__ = exported(_FROM)
