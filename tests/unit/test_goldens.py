"""The golden store's pieces that need no server: thresholds come from the contract file, and a
target's URL becomes the slug its goldens are filed under."""

from __future__ import annotations

from pathlib import Path

import pytest

from upscale_conformance import goldens as gs
from upscale_conformance.errors import ContractError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "inputs"
PROFILE = "pixel-budget-2026"
# A colour photo, the RGBA graphic and a grayscale scan: every code path, few calls.
SUBSET = ("coffee_cup.png", "flat_logo_rgba.png", "text_scan.png")


# --- thresholds as data ------------------------------------------------------------------------------


def test_thresholds_are_read_from_the_contract_file(tmp_path):
    t = gs.load_thresholds()
    assert t.path.endswith("contracts/perceptual.yaml") and t.regression["band_4_8"].fail > 0
    bad = tmp_path / "perceptual.yaml"
    text = Path(t.path).read_text().replace("band_4_8:", "band_9_9:", 1)
    bad.write_text(text)
    with pytest.raises(ContractError, match="unknown metric"):
        gs.load_thresholds(bad)
    bad.write_text(Path(t.path).read_text().replace("warn: 0.93, fail: 0.90", "warn: 0.80, fail: 0.90"))
    with pytest.raises(ContractError, match="stricter"):
        gs.load_thresholds(bad)


def test_target_slugs():
    assert gs.target_slug("local") == "local"
    assert gs.target_slug("https://image-api.photoroom.com") == "image-api-photoroom-com"
    assert gs.target_slug("http://127.0.0.1:8000/") == gs.target_slug("http://127.0.0.1:9000") == "127-0-0-1"


def test_a_job_says_what_a_paid_target_will_cost_before_anything_is_sent(tmp_path):
    from upscale_conformance.client.secret import Secret
    from upscale_conformance.contract import load_profile
    from upscale_conformance.goldens.job import prepare

    profile = load_profile(None)
    local = prepare("local", profile, Secret(None), recording=True)
    assert (local.slug, local.calls.limit, local.said, local.warning) == ("local", None, [], "")
    assert local.golden_dir == gs.default_golden_dir() and local.pairs
    fewest, most = gs.record_calls(local.pairs)
    paid = prepare("https://vendor.example", profile, Secret("sk_live_x"), recording=True, budget=1,
                   golden_dir=tmp_path)
    assert paid.said == [f"https://vendor.example: {fewest} planned calls ({most} if the target's answers vary "
                         "from run to run), at most 1 requests (each successful call is billable)"]
    assert paid.warning.startswith(f"the budget is below the {fewest} planned calls")
    assert paid.missing_goldens().startswith("no goldens for target 'vendor-example'")
    checked = prepare("https://vendor.example", profile, Secret("sandbox_x"), golden_dir=tmp_path)
    assert checked.slug == "vendor-example-sandbox" and checked.calls.limit == len(checked.pairs)
    assert checked.said[0].startswith("sandbox key: answers carry the vendor's watermark")


def test_a_job_without_inputs_is_refused(tmp_path):
    from upscale_conformance.client.secret import Secret
    from upscale_conformance.contract import load_profile
    from upscale_conformance.goldens.job import GoldensUsage, prepare

    with pytest.raises(GoldensUsage, match="no input images in"):
        prepare("local", load_profile(None), Secret(None), inputs_dir=tmp_path)
    with pytest.raises(ContractError, match="inputs folder not found"):
        prepare("local", load_profile(None), Secret(None), inputs_dir=tmp_path / "missing")


def test_a_check_writes_the_diffs_it_has_and_asks_for_a_folder_only_for_candidates(tmp_path):
    from upscale_conformance.goldens.job import keep_candidates, write_diffs

    key = gs.GoldenKey("local", "p", gs.Combo("ai.fast", None), "a.png")
    same = gs.GoldenCheck(key, tmp_path / "a.png", gs.RegressionVerdict("pass", "", identical=True))
    moved = gs.GoldenCheck(key, tmp_path / "a.png", gs.RegressionVerdict("warn", "moved"), diff_png=b"png")
    report = gs.CheckReport([same, moved], [])
    assert write_diffs(report, tmp_path / "diffs") == {1: tmp_path / "diffs/local/p/ai.fast/a.diff.png"}
    assert (tmp_path / "diffs/local/p/ai.fast/a.diff.png").read_bytes() == b"png"
    asked = []
    assert keep_candidates(report, tmp_path, gs.load_thresholds(), lambda: asked.append(1)) == (None, [])
    assert asked == []  # no answer differed enough to keep: no report folder made
