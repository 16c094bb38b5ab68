"""Tolerance by region (goldens/regions.py): a watermark stamped where a golden allows freedom is not a
regression, and its own threshold still catches a change there that is too large."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from upscale_conformance import goldens as gs
from upscale_conformance import perceptual as pc
from upscale_conformance.errors import ContractError
from upscale_conformance.goldens.regions import masked, means, regions_from

INPUT = Path(__file__).resolve().parents[2] / "fixtures" / "inputs" / "coffee_cup.png"
BOX = [0.6, 0.8, 1.0, 1.0]  # the bottom-right corner, where a sandbox watermark sits


def stamped(image: Image.Image, level: int) -> Image.Image:
    out = image.copy()
    w, h = out.size
    ImageDraw.Draw(out).rectangle((int(0.65 * w), int(0.84 * h), int(0.95 * w), int(0.96 * h)),
                                  fill=(level,) * len(out.getbands()))
    return out


@pytest.fixture(scope="module")
def pair():
    src = pc.open_image(INPUT.read_bytes())
    golden = src.resize((src.width * 4, src.height * 4), Image.Resampling.BICUBIC)
    return src, golden


def verdict(src, golden_out, candidate_out, regions):
    golden_regions = means(golden_out, regions)
    return gs.regression_verdict(pc.signature(src, masked(golden_out, regions)),
                                 pc.signature(src, masked(candidate_out, regions)), gs.load_thresholds(),
                                 regions=(golden_regions, means(candidate_out, regions)) if regions else None)


def test_a_stamp_outside_any_region_is_a_regression(pair):
    src, golden = pair
    assert verdict(src, golden, stamped(golden, 255), []).status in ("warn", "fail")


def test_a_stamp_inside_a_region_passes_and_its_own_threshold_still_judges_it(pair):
    src, golden = pair
    loose = regions_from([{"name": "watermark", "box": BOX, "max_mean_diff": 200}], "g.json")
    found = verdict(src, golden, stamped(golden, 255), loose)
    assert found.status == "pass", found.message
    assert any(m.name == "region:watermark" and m.status == "pass" for m in found.metrics)
    tight = regions_from([{"name": "watermark", "box": BOX, "max_mean_diff": 5}], "g.json")
    found = verdict(src, golden, stamped(golden, 255), tight)
    assert found.status == "fail" and "region:watermark" in found.message


def test_a_golden_keeps_its_regions_in_its_document(pair):
    src, golden = pair
    regions = means(golden, regions_from([{"name": "w", "box": BOX, "max_mean_diff": 30}], "g.json"))
    doc = gs.Golden(input="x.png", input_sha256="0", target="t", profile="p", mode="ai.fast", model_version=None,
                    output={}, hashes={}, thumbnail="t.png", patches={}, bands={}, recorded_at="", recorded_from={},
                    regions=[r.to_dict() for r in regions])
    again = gs.Golden.from_json(doc.to_json())
    assert regions_from(again.regions, "g.json")[0].mean == pytest.approx(regions[0].mean, abs=0.01)


@pytest.mark.parametrize("bad", [[{"box": [0.5, 0.5, 0.4, 1], "max_mean_diff": 5}],
                                 [{"box": [0, 0, 1, 1], "max_mean_diff": 0}], [{"name": "no box"}]])
def test_a_malformed_region_names_the_golden(bad):
    with pytest.raises(ContractError, match=r"g\.json: regions\[0\]"):
        regions_from(bad, "g.json")
