"""The portable verdict on a round trip: name the defect an honest upscaler would not show."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .roundtrip import RoundTrip


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
    # below this share of the input's luminance spread the output has lost the picture (blank, flat)
    min_content_ratio: float = 0.25
    min_input_spread: float = 2.0  # levels: an input flatter than this has no content to lose
    max_shift_error_ratio: float = 0.8  # a shift counts only if undoing it cuts the error to this share


@dataclass(frozen=True)
class FidelityVerdict:
    """The portable round-trip verdict. ``defect`` names what the failure looks like."""

    ok: bool
    defect: str | None
    message: str
    roundtrip: RoundTrip


def fidelity_verdict(rt: RoundTrip, limits: FidelityLimits) -> FidelityVerdict:
    """Name the first defect the round trip shows, most specific first; ok if none.

    Lost content goes first: on a blank or flat output, correlations and phase correlation measure
    noise, and a user told "shifted" would chase the wrong defect. Geometry comes next because a
    mirror also ruins every colour and shift measure after it.
    """

    def fail(defect: str, message: str) -> FidelityVerdict:
        return FidelityVerdict(False, defect, message, rt)

    if rt.input_spread >= limits.min_input_spread and rt.contrast_ratio < limits.min_content_ratio:
        level = sum(rt.output_mean) / 3
        look = "blank white" if level > 235 else "blank black" if level < 20 else "flat"
        return fail("lost", f"content lost: the output is almost {look} (luminance spread x{rt.contrast_ratio:.2f} "
                            f"of the input's, mean level {level:.0f}); geometry was not measured")

    others = {k: v for k, v in rt.geometry.items() if k != "identity"}
    identity = rt.geometry.get("identity", rt.correlation)
    if others:
        name, best = max(others.items(), key=lambda kv: kv[1])
        if best > identity + limits.geometry_margin:
            kind = "rotated" if name.startswith("rotated") else name
            return fail(kind, f"the output looks {name}: correlation {best:.3f} with the input {name}, "
                              f"{identity:.3f} as sent")
    dx, dy = rt.shift
    if math.hypot(dx, dy) > limits.max_shift and rt.shift_error_ratio < limits.max_shift_error_ratio:
        return fail("shifted", f"content moved by dx={dx:+.2f}, dy={dy:+.2f} input pixels (undoing it cuts the "
                               f"error to {rt.shift_error_ratio:.0%})")
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
