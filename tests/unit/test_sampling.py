"""Sampling targets' pieces that need no server: the sampling upscaler varies every answer within its
levels and keeps alpha, a golden's run-to-run spread widens both thresholds towards worse (none changes
nothing), the spread factor comes from the contract file, and goldens without a spread read and write as
before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from upscale_conformance import goldens as gs
from upscale_conformance import perceptual as pc
from upscale_conformance.errors import ContractError
from upscale_conformance.server import Faults
from upscale_conformance.server.faults import apply_output_faults

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "inputs"
PROFILE = "pixel-budget-2026"
SAMPLING = Faults(sampling=2)  # answers vary by up to 2 levels per pixel: issue 9's server


# --- the planted variation -------------------------------------------------------------------------


def test_sampling_varies_every_answer_within_its_levels_and_keeps_alpha():
    image = Image.new("RGBA", (64, 64), (120, 130, 140, 200))
    first, second = (np.asarray(apply_output_faults(image, SAMPLING), dtype=int) for _ in range(2))
    assert (first != second).any()  # not seeded per request, unlike the noise fault
    for answer in (first, second):
        assert np.abs(answer[..., :3] - (120, 130, 140)).max() == 2 and (answer[..., 3] == 200).all()
    assert Faults.from_json(SAMPLING.to_json()) == SAMPLING
    with pytest.raises(ValueError, match="sampling"):
        Faults(sampling=-1)


# --- thresholds move by the spread ----------------------------------------------------------------------


def test_a_spread_widens_both_thresholds_towards_worse_and_none_changes_nothing():
    t = gs.load_thresholds()
    noise, ssim = t.regression["flat_noise"], t.regression["detail_ssim"]
    assert t.spread_factor == gs.SPREAD_FACTOR == 2.0
    wider = noise.widened(0.5)
    assert (wider.warn, wider.fail) == (noise.warn + 0.5, noise.fail + 0.5)
    lower = ssim.widened(0.05)
    assert (lower.warn, lower.fail) == pytest.approx((ssim.warn - 0.05, ssim.fail - 0.05))
    assert noise.widened(0.0) is noise
    distances = {"flat_noise": 2.0, "detail_ssim": 0.88}
    assert gs.judge(distances, t)[0] == "fail"
    assert gs.judge(distances, t, {})[1] == gs.judge(distances, t)[1]
    status, metrics = gs.judge(distances, t, {"flat_noise": 0.4, "detail_ssim": 0.03})
    assert status == "pass" and metrics[0].fail == pytest.approx(noise.fail + 0.8)


def test_the_spread_factor_is_read_from_the_contract_file(tmp_path):
    text = Path(gs.thresholds_path()).read_text()
    assert "spread_factor: 2.0" in text
    path = tmp_path / "perceptual.yaml"
    path.write_text(text.replace("spread_factor: 2.0", "spread_factor: 3"))
    assert gs.load_thresholds(path).spread_factor == 3.0
    path.write_text(text.replace("spread_factor: 2.0", ""))
    assert gs.load_thresholds(path).spread_factor == gs.SPREAD_FACTOR
    path.write_text(text.replace("spread_factor: 2.0", "spread_factor: -1"))
    with pytest.raises(ContractError, match="spread_factor"):
        gs.load_thresholds(path)


def test_the_spread_of_a_similarity_is_a_distance():
    im = Image.open(FIXTURES / "coffee_cup.png").convert("RGB")
    out = im.resize((im.width * 4, im.height * 4), Image.Resampling.BICUBIC)
    noisy = apply_output_faults(out, Faults(sampling=4))
    a, b = pc.signature(im, out), pc.signature(im, noisy)
    spread = gs.spread_between([a, b], gs.load_thresholds())
    raw = pc.signature_distances(a, b)
    assert spread["detail_ssim"] == pytest.approx(1 - raw["detail_ssim"]) and spread["detail_ssim"] > 0
    assert spread["flat_noise"] == pytest.approx(raw["flat_noise"]) and spread["flat_noise"] > 1
    assert all(v == 0 for v in gs.spread_between([a, a], gs.load_thresholds()).values())
    assert gs.spread_between([a], gs.load_thresholds()) == {}


def test_goldens_without_a_spread_read_and_write_as_before():
    committed = next((gs.default_golden_dir() / "local" / PROFILE / "ai.fast").glob("*.json"))
    text = committed.read_text(encoding="utf-8")
    golden = gs.Golden.from_json(text)
    assert golden.spread == {} and golden.samples == 1 and golden.schema == gs.SCHEMA == 1
    assert golden.to_json() == text  # defaults are left out: same bytes as before
    golden.spread, golden.samples = {"flat_noise": 1.5}, 2
    again = gs.Golden.from_json(golden.to_json())
    assert again.spread == {"flat_noise": 1.5} and again.samples == 2 and again.content() != \
        gs.Golden.from_json(text).content()
