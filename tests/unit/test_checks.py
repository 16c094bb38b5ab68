"""Checks and strategies, on images made here: honest upscales pass, each planted defect is named."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from PIL import Image, ImageFilter, ImageOps

from upscale_conformance.checks import (
    check_alpha,
    check_fidelity,
    check_format,
    check_jpeg_quality,
    check_rejected,
    check_size,
    systematic_difference,
)
from upscale_conformance.client import UpscaleResult
from upscale_conformance.contract import Limit, load_profile
from upscale_conformance.strategies import ImageCase, boundary_cases, image_cases, limit_cases, sizes_around

R = Image.Resampling


def answer(image: Image.Image, fmt="PNG", content_type="image/png", status=200) -> UpscaleResult:
    buf = io.BytesIO()
    image.save(buf, fmt, **({"quality": 80} if fmt == "JPEG" else {}))
    return UpscaleResult(status, {"content-type": content_type}, buf.getvalue(), 0.01)


PICTURE = ImageCase(60, 40, seed=7).picture()
BIG = (240, 160)


@pytest.mark.parametrize("upscaler", [
    lambda im: im.resize(BIG, R.BILINEAR),
    lambda im: im.resize(BIG, R.BICUBIC),
    lambda im: im.resize(BIG, R.LANCZOS),
    lambda im: im.resize(BIG, R.NEAREST),
    lambda im: im.resize(BIG, R.LANCZOS).filter(ImageFilter.UnsharpMask(2, 150, 2)),
], ids=["bilinear", "bicubic", "lanczos", "nearest", "sharpened"])
def test_any_honest_upscale_keeps_fidelity(upscaler):
    assert check_fidelity(PICTURE, answer(upscaler(PICTURE))) == []
    assert check_fidelity(PICTURE, answer(upscaler(PICTURE), "JPEG", "image/jpeg")) == []


@pytest.mark.parametrize(("defect", "clause", "looks"), [
    (lambda im: ImageOps.mirror(im), "FIDELITY-GEOMETRY", "mirrored"),
    (lambda im: ImageOps.flip(im), "FIDELITY-GEOMETRY", "flipped"),
    (lambda im: im.rotate(180), "FIDELITY-GEOMETRY", "rotated"),
    (lambda im: Image.merge("RGB", im.split()[::-1]), "FIDELITY-COLOUR", "channel-swap"),
    (lambda im: im.convert("L").convert("RGB"), "FIDELITY-COLOUR", "grayscale"),
    (lambda im: Image.fromarray(np.clip(np.asarray(im, dtype=np.int16) + 30, 0, 255).astype(np.uint8)),
     "FIDELITY-COLOUR", None),
    (lambda im: ImageOps.expand(im, (12, 12, 0, 0)).crop((0, 0) + BIG), "FIDELITY-GEOMETRY", "shifted"),
], ids=["mirror", "flip", "rotate", "channel-swap", "grayscale", "brighter", "shift"])
def test_each_planted_defect_is_caught_and_named(defect, clause, looks):
    out = defect(PICTURE.resize(BIG, R.BICUBIC))
    found = check_fidelity(PICTURE, answer(out))
    assert clause in {v.clause for v in found}
    if looks:  # the violation names the defect, so a user knows what to look for
        assert f"fidelity_{looks}" in {v.code for v in found}


def _grey16(width: int, height: int) -> Image.Image:
    y, x = np.mgrid[0:height, 0:width]
    grey = ((x * 40 + y * 25) % 256).astype(np.uint16) * 257  # ramps and edges over the whole 16-bit range
    return Image.fromarray(grey)  # mode I;16


@pytest.mark.parametrize("blank", [
    lambda size: Image.new("RGB", size, (255, 255, 255)),
    lambda size: Image.new("RGB", size, (252, 252, 252)).point(lambda v: v),
    lambda size: Image.fromarray(np.where(np.random.default_rng(1).random((size[1], size[0])) < 0.01, 0, 254)
                                 .astype(np.uint8)).convert("RGB"),  # almost all white, a few dark specks
], ids=["white", "near-white", "specks"])
def test_a_blank_answer_to_a_16bit_grey_input_is_named_lost_content_not_a_shift(blank, recwarn):
    picture = _grey16(60, 40)
    found = check_fidelity(picture, answer(blank((240, 160))))
    assert [v.code for v in found] == ["fidelity_lost"], [str(v) for v in found]
    assert "content lost" in found[0].message and "shift" not in found[0].message
    assert not [w for w in recwarn if "empty" in str(w.message)]  # phase correlation never ran on a flat image


def test_a_mirrored_answer_to_a_16bit_grey_input_still_fails_geometry():
    picture = _grey16(60, 40)
    out = ImageOps.mirror(picture.convert("I").point(lambda v: v / 257).convert("L").resize(BIG, R.BICUBIC))
    found = check_fidelity(picture, answer(out))
    assert "fidelity_mirrored" in {v.code for v in found}
    assert check_fidelity(picture, answer(ImageOps.mirror(out))) == []  # the same picture upright passes


def test_size_check_wants_exactly_4x_of_the_oriented_size():
    assert check_size(answer(Image.new("RGB", (240, 160))), (60, 40)) == []
    [v] = check_size(answer(Image.new("RGB", (180, 120))), (60, 40))
    assert v.code == "size_not_4x" and "180x120" in v.message
    assert check_size(answer(Image.new("RGB", (160, 240))), (60, 40))  # axes swapped: EXIF ignored


def test_format_check_compares_header_and_bytes():
    profile = load_profile(None)
    png = PICTURE.resize(BIG)
    assert check_format(answer(png), None, profile) == []
    codes = {v.code for v in check_format(answer(png, content_type="image/jpeg"), "jpeg", profile)}
    assert codes == {"bytes_not_declared_format"}
    codes = {v.code for v in check_format(answer(png, content_type="application/octet-stream"), None, profile)}
    assert codes == {"content_type_mismatch"}


def test_alpha_check_catches_a_dropped_or_changed_alpha():
    rgba = ImageCase(40, 32, seed=3, mode="RGBA").picture()
    big = rgba.resize((160, 128), R.BICUBIC)
    assert check_alpha(rgba, answer(big)) == []
    assert [v.code for v in check_alpha(rgba, answer(big.convert("RGB")))] == ["alpha_lost"]
    opaque = big.copy()
    opaque.putalpha(255)
    assert [v.code for v in check_alpha(rgba, answer(opaque))] == ["alpha_changed"]


def test_rejection_check_flags_silent_200_5xx_and_bad_bodies():
    ok = UpscaleResult(400, {}, b'{"error": {"message": "too large"}}', 0)
    assert check_rejected(ok, (400,), "LIMIT-FAST-EDGE") == []
    silent = answer(Image.new("RGB", (4, 4)))
    assert [v.code for v in check_rejected(silent, (400,), "LIMIT-FAST-EDGE")] == ["accepted_past_limit"]
    # A 200 to a key that must be refused is no limit: the code says what was accepted (issue 28).
    assert [v.code for v in check_rejected(silent, (401, 403), "AUTH-REQUIRED")] == ["key_not_refused"]
    assert [v.code for v in check_rejected(silent, (400,), "MODE-UNKNOWN")] == ["mistake_accepted"]
    bare = UpscaleResult(400, {}, b"too large", 0)
    assert [v.clause for v in check_rejected(bare, (400,), "LIMIT-FAST-EDGE")] == ["ERR-BODY"]
    crash = UpscaleResult(502, {}, b"<html>bad gateway</html>", 0)
    assert {v.clause for v in check_rejected(crash, (400,), "X")} == {"ERR-NO-5XX", "X"}  # a 502 body: not documented
    assert check_rejected(UpscaleResult(401, {}, b"Unauthorized", 0), (401,), "AUTH-REQUIRED") == []  # body unknown
    assert check_rejected(UpscaleResult(402, {}, b'{"error": {"detail": "no credits"}}', 0), (402,), "X") == []


@pytest.mark.parametrize("orientation", range(1, 9))
def test_encoded_exif_orientation_shows_the_picture_upright(orientation):
    case = ImageCase(30, 20, seed=1, orientation=orientation)
    stored = Image.open(io.BytesIO(case.encode()))
    assert stored.size == case.stored_size
    upright = ImageOps.exif_transpose(stored).convert("RGB")
    assert upright.size == (30, 20)
    assert np.array_equal(np.asarray(upright), np.asarray(case.picture()))


def test_boundary_cases_straddle_each_limit():
    fast = load_profile(None).limit("ai.fast")
    cases = {(c.width, c.height): c.accept for c in limit_cases(fast)}
    assert cases[(2000, 500)] and not cases[(2000, 501)] and cases[(1000, 1000)] and not cases[(1000, 1001)]
    per_axis = load_profile("per-axis-2025").limit("ai.fast")
    cases = {(c.width, c.height): c.accept for c in limit_cases(per_axis)}
    assert cases[(1000, 1000)] and not cases[(1001, 1)] and not cases[(1, 1001)] and not cases[(1001, 999)]
    assert [(c.width, c.height) for c in boundary_cases(Limit("pixels", max_pixels=10), [20])] == [(20, 1)]


SLOW_LIMIT = load_profile(None).limit("ai.slow")  # read once: parsing the profile 600 times was most of the test


@settings(max_examples=200)
@given(data=image_cases().flatmap(lambda _: sizes_around(SLOW_LIMIT)))
def test_drawn_sizes_are_on_the_side_of_the_limit_they_claim(data):
    assert SLOW_LIMIT.accepts(data.width, data.height) == data.accept
    if data.accept:
        assert not SLOW_LIMIT.accepts(data.width, data.height + 1)


@settings(max_examples=30)
@given(case=image_cases(max_side=40))
def test_generated_images_have_content_and_decode(case):
    im = Image.open(io.BytesIO(case.encode()))
    im.load()
    pixels = np.asarray(case.picture().convert("RGB"), dtype=np.float32)
    assert pixels.std() > 5  # not a blank picture: a flip or a swap must be visible


# --- the model switch: what differs systematically, beyond a target's run-to-run variation ---------

FLOOR, Z = 0.1, 4.0  # as suites/test_model_switching.py judges MODEL-SWITCH
SHAPE = (96, 96, 3)  # the smallest output the suite's generated inputs give (24 px, 4x)


def models(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Two "models" of one input that differ by about 2 levels RMS, only near edges: like the
    reference server's two ai.fast engines, whose smallest measured difference is 2.08 RMS."""
    rng = np.random.default_rng(seed)
    base = np.kron(rng.uniform(30, 220, (12, 12, 3)), np.ones((8, 8, 1)))
    edges = np.abs(np.diff(base, axis=1, prepend=base[:, :1])) > 0
    return base, base + np.where(edges, rng.choice([-6.0, 6.0], SHAPE), 0.0)


def sampled(model: np.ndarray, rng: np.random.Generator, levels: int) -> np.ndarray:
    return model + rng.integers(-levels, levels + 1, model.shape)


@pytest.mark.parametrize("levels", [2, 8])
def test_identical_models_with_sampling_noise_are_no_switch(levels):
    model, _ = models()
    for seed in range(40):
        rng = np.random.default_rng(seed)
        found = systematic_difference(sampled(model, rng, levels), sampled(model, rng, levels),
                                      sampled(model, rng, levels))
        assert not found.beats(FLOOR, Z), (seed, found)
        assert found.rerun > 0 and abs(found.excess) < Z * found.se


@pytest.mark.parametrize("levels", [2, 8])
def test_different_models_with_sampling_noise_are_a_switch(levels):
    classic, new = models()
    for seed in range(10):
        rng = np.random.default_rng(seed)
        found = systematic_difference(sampled(classic, rng, levels), sampled(classic, rng, levels),
                                      sampled(new, rng, levels))
        assert found.beats(FLOOR, Z), (seed, found)
        assert 1.5 < found.rms < 3.0  # the systematic part, not the noise on top of it


def test_deterministic_models_switch_on_any_difference_past_the_floor():
    classic, new = models()
    found = systematic_difference(classic, classic, new)
    assert found.rerun == 0 and found.se == 0 and found.beats(FLOOR, Z)
    assert not systematic_difference(classic, classic, classic).beats(FLOOR, Z)
    assert not systematic_difference(classic, classic, classic + 0.05).beats(FLOOR, Z)  # below the floor


def test_systematic_difference_composites_alpha_and_needs_comparable_answers():
    rgba = Image.new("RGBA", (32, 32), (255, 0, 0, 0))
    hidden = Image.new("RGBA", (32, 32), (0, 0, 255, 0))  # another colour under full transparency
    assert systematic_difference(answer(rgba), answer(rgba), answer(hidden)).excess == 0
    assert systematic_difference(rgba, rgba, rgba.resize((16, 16))) is None
    assert systematic_difference(answer(rgba), answer(rgba), UpscaleResult(500, {}, b"{}", 0.01)) is None


@pytest.mark.parametrize("seed", range(12))
def test_a_sandbox_watermark_is_tolerated_without_losing_power(seed):
    from upscale_conformance.server.watermark import watermark

    rng = np.random.default_rng(seed)
    case = ImageCase(int(rng.integers(12, 90)), int(rng.integers(12, 90)), seed=seed)
    picture = case.picture()
    honest = watermark(picture.resize((picture.width * 4, picture.height * 4), R.BICUBIC))
    assert check_fidelity(picture, answer(honest)) == [], case.describe()
    mirrored = watermark(ImageOps.mirror(picture.resize((picture.width * 4, picture.height * 4), R.BICUBIC)))
    swapped = watermark(Image.merge("RGB", picture.resize((picture.width * 4, picture.height * 4),
                                                          R.BICUBIC).split()[::-1]))
    if not np.array_equal(np.asarray(picture), np.asarray(ImageOps.mirror(picture))):
        assert {v.clause for v in check_fidelity(picture, answer(mirrored))} == {"FIDELITY-GEOMETRY"}
    assert {v.clause for v in check_fidelity(picture, answer(swapped))} <= {"FIDELITY-COLOUR", "FIDELITY-GEOMETRY"}
    assert check_fidelity(picture, answer(swapped)), case.describe()


def test_a_dense_strong_watermark_is_not_taken_for_a_shift(monkeypatch):
    # Found by search: phase correlation on this picture under a dense, half-opaque tiled mark peaks
    # at dx=-4.75, dy=-2.00, a "shift" that undoing makes worse; it must not fail FIDELITY-GEOMETRY.
    from upscale_conformance.server import watermark as mark

    monkeypatch.setattr(mark, "OPACITY", 0.5)
    monkeypatch.setattr(mark, "TEXT_SHARE", 8)
    picture = ImageCase(102, 66, seed=34).picture()
    out = mark.watermark(picture.resize((408, 264), R.BICUBIC))
    assert check_fidelity(picture, answer(out)) == []


@pytest.mark.parametrize(("quality", "fails"), [(95, False), (80, False), (60, False), (30, True), (5, True)])
def test_a_jpeg_answer_far_below_the_documented_quality_fails_fmt_export(quality, fails):
    out = PICTURE.resize(BIG, R.BICUBIC)
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=quality)
    result = UpscaleResult(200, {"content-type": "image/jpeg"}, buf.getvalue(), 0.01)
    found = check_jpeg_quality(result, "jpeg")
    assert bool(found) is fails, found
    if fails:
        assert found[0].clause == "FMT-EXPORT" and "far below the documented 80" in found[0].message
    assert check_jpeg_quality(result, None) == []  # only asked-for JPEG is judged


def test_an_answer_one_pixel_off_is_still_judged_for_geometry_after_resizing_and_says_so():
    """One fault must not hide another: a mirrored answer one pixel too wide fails DIM-4X and, compared after
    resizing it for the comparison only, FIDELITY-GEOMETRY; an honest one a pixel too wide keeps its geometry."""
    wide = (BIG[0] + 1, BIG[1])
    mirrored = answer(ImageOps.mirror(PICTURE.resize(wide, R.BICUBIC)))
    found = check_fidelity(PICTURE, mirrored)
    assert [v.code for v in found] == ["fidelity_mirrored"]
    assert found[0].measured.values["compared_after_resize"] == "241x160 -> 240x160"
    assert "compared after resizing the 241x160 answer to 240x160" in found[0].message
    assert [v.clause for v in check_size(mirrored, PICTURE.size)] == ["DIM-4X"]
    assert check_fidelity(PICTURE, answer(PICTURE.resize(wide, R.BICUBIC))) == []


def test_judge_upscale_judges_every_clause_of_an_answer_and_blocks_what_it_cannot():
    from upscale_conformance.checks import judge_upscale, picture_blocker
    from upscale_conformance.verdicts import Recorder

    recorder = Recorder()  # a mirror one pixel too wide: both clauses fail, nothing is blocked
    judge_upscale(recorder, answer(ImageOps.mirror(PICTURE.resize((241, 160), R.BICUBIC))), PICTURE.size,
                  accepted="DIM-4X", picture=PICTURE)
    assert {v.clause for v in recorder.violations} == {"DIM-4X", "FIDELITY-GEOMETRY"}
    assert not recorder.blocked and {"OUT-DECODES", "FIDELITY-COLOUR"} <= recorder.judged
    with pytest.raises(AssertionError):
        recorder.check()

    recorder = Recorder()  # the axes swapped: too far off to compare; geometry and colour are BLOCKED by DIM-4X
    swapped = answer(PICTURE.resize((160, 240), R.BICUBIC))
    judge_upscale(recorder, swapped, PICTURE.size, accepted="DIM-4X", picture=PICTURE)
    assert {v.clause for v in recorder.violations} == {"DIM-4X"}
    assert set(recorder.blocked) == {"FIDELITY-GEOMETRY", "FIDELITY-COLOUR"}
    assert recorder.blocked["FIDELITY-GEOMETRY"].by == "DIM-4X"
    assert "no geometry comparison on an answer of the wrong size: 160x240" in recorder.blocked[
        "FIDELITY-GEOMETRY"].reason
    assert picture_blocker(swapped, PICTURE.size, "DIM-4X")[0] == "DIM-4X"

    recorder = Recorder()  # refused: nothing of the picture can be judged, all blocked by the refused clause
    refused = UpscaleResult(500, {"content-type": "application/json"}, b'{"error": {"message": "x"}}', 0.01)
    judge_upscale(recorder, refused, PICTURE.size, accepted="FMT-EXPORT", picture=PICTURE, no_5xx=True,
                  export=("webp", load_profile(None)))
    assert {v.clause for v in recorder.violations} == {"ERR-NO-5XX", "FMT-EXPORT"}
    assert set(recorder.blocked) == {"OUT-DECODES", "DIM-4X", "FIDELITY-GEOMETRY", "FIDELITY-COLOUR"}
    assert all(b.by == "FMT-EXPORT" and "500" in b.reason for b in recorder.blocked.values())
