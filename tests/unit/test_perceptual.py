"""The perceptual measures on pictures made here: honest upscalers pass the portable checks, each defect
is named, regression distances see blur, noise and casts, and alpha and colour modes are handled."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter, ImageOps

from tests.support.upscalers import on_colour, sharpened, shifted, swap_rb, up
from upscale_conformance import goldens as gs
from upscale_conformance import perceptual as pc

INPUTS = Path(__file__).resolve().parents[2] / "fixtures" / "inputs"
R = Image.Resampling


@pytest.fixture(scope="module")
def thresholds() -> gs.Thresholds:
    return gs.load_thresholds()


def load(name: str) -> Image.Image:
    return pc.open_image(INPUTS / name)


HONEST = {
    "bilinear": lambda im: up(im, R.BILINEAR),
    "bicubic": lambda im: up(im, R.BICUBIC),
    "lanczos": lambda im: up(im, R.LANCZOS),
    "sharpened": sharpened,
}
ALL_INPUTS = sorted(p.name for p in INPUTS.iterdir() if p.suffix in (".png", ".jpg"))


@pytest.mark.parametrize("name", ALL_INPUTS)
def test_honest_upscalers_pass_the_fidelity_check(name, thresholds):
    im = load(name)
    for label, upscale in HONEST.items():
        verdict = pc.fidelity_verdict(pc.roundtrip_distance(im, upscale(im)), thresholds.fidelity)
        assert verdict.ok, f"{label}: {verdict.defect}: {verdict.message}"


DEFECTS = {
    "mirrored": lambda out: ImageOps.mirror(out),
    "flipped": lambda out: ImageOps.flip(out),
    "rotated": lambda out: out.rotate(90, expand=True),
    "shifted": lambda out: shifted(out, 4),
    "channel-swap": swap_rb,
    "grayscale": lambda out: on_colour(out, lambda rgb: rgb.convert("L")),
    "brightness": lambda out: on_colour(out, lambda rgb: rgb.point(lambda v: min(255, v + 12))),
    "colour-shift": lambda out: on_colour(out, lambda rgb: Image.merge("RGB", (
        rgb.getchannel("R").point(lambda v: min(255, v + 12)), rgb.getchannel("G"),
        rgb.getchannel("B").point(lambda v: max(0, v - 8))))),
}


@pytest.mark.parametrize("defect", DEFECTS)
@pytest.mark.parametrize("name", ["coffee_cup.png", "rocket_photo.jpg", "flat_logo_rgba.png"])
def test_each_defect_is_named(name, defect, thresholds):
    im = load(name)
    verdict = pc.fidelity_verdict(pc.roundtrip_distance(im, DEFECTS[defect](up(im))), thresholds.fidelity)
    assert not verdict.ok
    assert verdict.defect == defect, verdict.message


def test_a_quarter_turn_of_a_square_output_is_named(thresholds):
    im = load("astronaut_face.png")
    verdict = pc.fidelity_verdict(pc.roundtrip_distance(im, up(im).rotate(90)), thresholds.fidelity)
    assert verdict.defect == "rotated", verdict.message


def test_shift_is_measured_in_input_pixels():
    im = load("chelsea_cat.png")
    rt = pc.roundtrip_distance(im, shifted(up(im), 8))
    assert rt.shift == pytest.approx((2.0, 0.0), abs=0.15)


def test_lost_alpha_is_named(thresholds):
    im = load("flat_logo_rgba.png")
    verdict = pc.fidelity_verdict(pc.roundtrip_distance(im, up(im).convert("RGB")), thresholds.fidelity)
    assert verdict.defect == "alpha"


def test_portable_check_flags_a_soft_output_and_passes_bicubic(thresholds):
    im = load("astronaut_face.png")
    assert gs.portable_check(im, up(im), thresholds).ok
    blurred = gs.portable_check(im, up(im).filter(ImageFilter.GaussianBlur(2)), thresholds)
    assert not blurred.ok and blurred.defect == "soft"
    assert blurred.sharpness < thresholds.min_sharpness


def test_sharpness_ratio_orders_the_resamplers():
    im = load("coffee_cup.png")
    ratios = {k: pc.sharpness_ratio(im, f(im)) for k, f in HONEST.items()}
    assert ratios["bicubic"] == pytest.approx(1.0, abs=0.01)
    assert ratios["bilinear"] < ratios["bicubic"] < ratios["lanczos"] < ratios["sharpened"]


# --- regression distances -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def coffee():
    im = load("coffee_cup.png")
    out = up(im)
    return im, out, pc.signature(im, out)


def judge(golden: pc.Signature, candidate_im: Image.Image, input_im: Image.Image, thresholds) -> str:
    return gs.regression_verdict(golden, pc.signature(input_im, candidate_im), thresholds).status


def test_identical_outputs_are_at_distance_zero(coffee, thresholds):
    im, out, sig = coffee
    d = pc.signature_distances(sig, pc.signature(im, out.copy()))
    assert d["detail_ssim"] == pytest.approx(1.0) and d["thumb_ssim"] == pytest.approx(1.0)
    assert all(d[k] == 0 for k in ("band_4_8", "band_2_4", "flat_noise", "colour_shift", "phash", "dhash"))
    assert judge(sig, out, im, thresholds) == "pass"


@pytest.mark.parametrize("fault, metric", [
    (lambda o: o.filter(ImageFilter.GaussianBlur(2)), "band_4_8"),
    (lambda o: Image.fromarray(np.clip(np.asarray(o, np.float32) + np.random.default_rng(1).normal(0, 4, (
        o.height, o.width, 3)), 0, 255).astype(np.uint8)), "flat_noise"),
    (lambda o: on_colour(o, lambda rgb: Image.merge("RGB", (rgb.getchannel("R").point(lambda v: min(255, v + 6)),
                                                          rgb.getchannel("G"),
                                                          rgb.getchannel("B").point(lambda v: max(0, v - 6))))),
     "colour_shift"),
], ids=["blur", "noise", "colour-cast"])
def test_planted_quality_faults_fail_the_regression(coffee, thresholds, fault, metric):
    im, out, sig = coffee
    verdict = gs.regression_verdict(sig, pc.signature(im, fault(out)), thresholds)
    assert verdict.status == "fail"
    assert next(m for m in verdict.metrics if m.name == metric).status == "fail", verdict.message


def test_another_resampler_fails_the_regression(coffee, thresholds):
    im, _, sig = coffee
    assert judge(sig, sharpened(im), im, thresholds) == "fail"
    assert judge(sig, up(im, R.LANCZOS), im, thresholds) == "fail"


@pytest.mark.parametrize("fmt, options", [("WEBP", {"quality": 90}), ("JPEG", {"quality": 80})])
def test_an_export_format_change_does_not_fail(coffee, thresholds, fmt, options):
    im, out, sig = coffee
    buf = io.BytesIO()
    out.save(buf, fmt, **options)
    assert judge(sig, Image.open(buf), im, thresholds) != "fail"


def test_colour_under_full_transparency_does_not_count(thresholds):
    im = load("flat_logo_rgba.png")
    out = up(im)
    arr = np.asarray(out).copy()
    hidden = arr[..., 3] == 0
    arr[hidden, :3] = 255 - arr[hidden, :3]  # garbage where nothing is visible
    other = Image.fromarray(arr, "RGBA")
    assert pc.signature_distances(pc.signature(im, out), pc.signature(im, other))["colour_shift"] == 0
    assert judge(pc.signature(im, out), other, im, thresholds) == "pass"
    assert judge(pc.signature(im, out), out.convert("RGB"), im, thresholds) == "fail"  # alpha lost


def test_hash_distances_count_differing_bits():
    a = pc.image_hashes(load("coffee_cup.png"))
    b = pc.image_hashes(load("chelsea_cat.png"))
    assert pc.hash_distances(a, a) == {k: 0 for k in pc.HASH_KINDS}
    assert pc.hash_distances(a, b)["phash"] > 10


def test_patches_are_placed_from_the_input():
    im = load("flat_logo_rgba.png")
    x0, y0, x1, y1 = pc.flat_box(im)
    window = pc.to_rgba(im).crop((x0 // 4, y0 // 4, x1 // 4, y1 // 4))
    assert np.asarray(window.getchannel("A")).min() == 255  # opaque: transparency would hide noise
    assert (x1 - x0, y1 - y0) == (64, 64) and pc.detail_box(im) != (x0, y0, x1, y1)


# --- colour modes and the diff image ------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["L", "LA", "P", "PA", "RGB", "RGBA", "CMYK", "I;16", "I", "F"])
def test_every_colour_mode_converts_to_rgb_over_the_background(mode):
    base = Image.new("RGBA", (8, 8), (200, 100, 50, 255))
    if mode == "I;16":
        im = Image.fromarray(np.full((8, 8), 40000, np.uint16))
    elif mode in ("I", "F"):
        im = Image.new("L", (8, 8), 157).convert(mode)
    else:
        im = base.convert(mode)
    rgb = pc.to_rgb(im)
    assert rgb.mode == "RGB" and rgb.size == (8, 8)
    if mode == "I;16":
        assert rgb.getpixel((0, 0)) == (156, 156, 156)  # scaled from 16 bits, not clipped


def test_transparent_pixels_show_the_background():
    im = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    assert pc.to_rgb(im).getpixel((0, 0)) == pc.BACKGROUND


def test_diff_image_is_a_png_with_rows_for_overview_and_patches(coffee):
    im, out, sig = coffee
    with_golden = Image.open(io.BytesIO(pc.diff_image(im, out.filter(ImageFilter.GaussianBlur(2)), sig)))
    without = Image.open(io.BytesIO(pc.diff_image(im, out)))
    assert with_golden.format == "PNG" and without.format == "PNG"
    assert with_golden.height > 2.5 * without.height  # three rows against one
