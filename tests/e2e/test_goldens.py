"""The golden store against the reference server: record then check passes; planted quality
faults and the wrong ai.fast model fail the regression; a rerun and a harmless export-format change
pass; goldens of a removed input are reported unused; the CLI keeps its exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.cli import invoke
from upscale_conformance import goldens as gs
from upscale_conformance.client import Budget, UpscaleClient
from upscale_conformance.client.secret import Secret
from upscale_conformance.contract import NEW_FAST_MODEL, load_profile
from upscale_conformance.server import Faults, serve_in_thread

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "inputs"
PROFILE = "pixel-budget-2026"
# A colour photo, the RGBA graphic and a grayscale scan: every code path, few calls.
SUBSET = ("coffee_cup.png", "flat_logo_rgba.png", "text_scan.png")


@pytest.fixture(scope="module")
def profile():
    return load_profile(PROFILE)


@pytest.fixture(scope="module")
def server(profile):
    with serve_in_thread(profile) as url:
        yield url


def client_for(url: str, budget: int | None = None) -> UpscaleClient:
    return UpscaleClient(url, Secret("test-key"), Budget(budget))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    for name in SUBSET:
        shutil.copy(FIXTURES / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def recorded(server, inputs, profile, tmp_path_factory) -> Path:
    """Goldens of the clean server for the subset, every mode-and-model."""
    golden_dir = tmp_path_factory.mktemp("goldens")
    with client_for(server) as client:
        report = gs.record(client, gs.list_inputs(inputs), golden_dir, "local", profile)
    assert report.count("created") == len(SUBSET) * 3 and not report.unused
    return golden_dir


def check(url: str, golden_dir: Path, name: str, mode: str = "ai.fast", version: str | None = None,
          **kwargs) -> gs.GoldenCheck:
    with client_for(url) as client:
        return gs.check_one(client, FIXTURES / name, golden_dir, "local", PROFILE, mode, version, **kwargs)


# --- record, check, update, unused -------------------------------------------------------------------


def test_record_then_check_against_the_same_target_passes(server, inputs, recorded, profile):
    with client_for(server) as client:
        report = gs.check(client, gs.list_inputs(inputs), recorded, "local", profile)
    assert len(report.checks) == 9 and not report.unused
    assert [c.status for c in report.checks] == ["pass"] * 9
    assert all(c.regression.identical and c.portable.ok and c.diff_png is None for c in report.checks)


@pytest.mark.parametrize("profile_name", ["pixel-budget-2026", "per-axis-2025"])
def test_the_committed_goldens_match_the_reference_server(profile_name):
    """If an engine changes on purpose, re-record: `goldens record --update --profile ...`."""
    committed = gs.default_golden_dir()
    profile = load_profile(profile_name)
    paths = [FIXTURES / name for name in SUBSET]
    with serve_in_thread(profile) as url, client_for(url) as client:
        report = gs.check(client, paths, committed, "local", profile)
    assert len(report.checks) == 9
    assert [c.status for c in report.checks] == ["pass"] * 9, [c.regression.message for c in report.checks]


def test_a_golden_holds_hashes_patches_and_provenance_but_no_full_output(recorded):
    folder = recorded / "local" / PROFILE / f"ai.fast+{NEW_FAST_MODEL}"
    data = json.loads((folder / "coffee_cup.json").read_text())
    assert data["output"]["width"] == 1200 and data["output"]["content_type"] == "image/png"
    assert set(data["hashes"]) == {"phash", "dhash", "whash", "colorhash"} and len(data["output"]["sha256"]) == 64
    assert data["recorded_from"]["target"] == "local" and data["recorded_at"].endswith("Z")
    assert sorted(p.name for p in folder.glob("coffee_cup*")) == [
        "coffee_cup.detail.png", "coffee_cup.flat.png", "coffee_cup.json", "coffee_cup.thumb.png"]
    assert sum(p.stat().st_size for p in folder.iterdir()) < 150_000  # 3 inputs; no full-size output


def test_update_rewrites_only_what_changed(server, inputs, profile, tmp_path):
    golden_dir = tmp_path / "goldens"
    shutil.copytree(inputs, tmp_path / "in")
    paths = gs.list_inputs(tmp_path / "in")
    with client_for(server) as client:
        gs.record(client, paths, golden_dir, "local", profile, [gs.Combo("ai.fast")])
        target = golden_dir / "local" / PROFILE / "ai.fast" / "coffee_cup.json"
        stamp = target.stat().st_mtime_ns
        again = gs.record(client, paths, golden_dir, "local", profile, [gs.Combo("ai.fast")], update=True)
        assert {o.action for o in again.outcomes} == {"unchanged"} and target.stat().st_mtime_ns == stamp
        # Pretend the golden came from another engine: --update must notice and rewrite only it.
        slow = golden_dir / "local" / PROFILE / "ai.slow"
        gs.record(client, paths[:1], golden_dir, "local", profile, [gs.Combo("ai.slow")])
        for f in slow.iterdir():
            shutil.copy(f, target.parent / f.name)
        kept = gs.record(client, paths, golden_dir, "local", profile, [gs.Combo("ai.fast")])
        assert {o.key.input_name: o.action for o in kept.outcomes}["coffee_cup.png"] == "differs"
        updated = gs.record(client, paths, golden_dir, "local", profile, [gs.Combo("ai.fast")], update=True)
    actions = {o.key.input_name: o.action for o in updated.outcomes}
    assert actions == {"coffee_cup.png": "updated", "flat_logo_rgba.png": "unchanged", "text_scan.png": "unchanged"}
    assert json.loads(target.read_text())["mode"] == "ai.fast"


def test_goldens_of_a_removed_input_are_reported_unused(server, inputs, recorded, profile, tmp_path):
    shutil.copytree(inputs, tmp_path / "in")
    shutil.copytree(recorded, tmp_path / "goldens")
    (tmp_path / "in" / "text_scan.png").unlink()
    paths = gs.list_inputs(tmp_path / "in")
    unused = gs.unused_goldens(tmp_path / "goldens", "local", profile, paths, gs.combos_for(profile))
    assert len(unused) == 3 * 4 and {gs.golden_stem(p.name) for p in unused} == {"text_scan"}
    with client_for(server) as client:
        report = gs.check(client, paths, tmp_path / "goldens", "local", profile, [gs.Combo("ai.slow")])
        assert sorted(report.unused) == sorted(unused) and [c.status for c in report.checks] == ["pass"] * 2
        pruned = gs.record(client, paths, tmp_path / "goldens", "local", profile, update=True)
    assert sorted(pruned.deleted) == sorted(unused) and not any(p.exists() for p in unused)


def test_a_missing_golden_fails(server, tmp_path):
    result = check(server, tmp_path, "coffee_cup.png")
    assert result.regression.status == "missing" and result.status == "fail"
    assert result.portable.ok  # the portable verdict needs no golden


# --- regression: faults, the wrong model, export formats ---------------------------------------------


@pytest.mark.parametrize("faults, metric", [
    (Faults(blur=2.0), "band_4_8"),
    (Faults(noise=4.0), "flat_noise"),
    (Faults(colour_cast=(6, 0, -6)), "colour_shift"),
], ids=["blur", "noise", "colour-cast"])
def test_planted_quality_faults_fail_the_regression(recorded, profile, faults, metric):
    with serve_in_thread(profile, faults=faults) as url:
        result = check(url, recorded, "coffee_cup.png", "ai.slow")
    assert result.regression.status == "fail" and result.status == "fail"
    assert next(m for m in result.regression.metrics if m.name == metric).status == "fail", result.regression.message
    assert result.diff_png is not None and result.diff_png.startswith(b"\x89PNG")


def test_the_wrong_fast_model_answering_fails(recorded, profile):
    with serve_in_thread(profile, faults=Faults(ignore_model_header=True)) as url:
        for name in SUBSET:
            result = check(url, recorded, name, "ai.fast", NEW_FAST_MODEL)
            assert result.regression.status == "fail", f"{name}: {result.regression.message}"
            assert result.portable.ok  # an honest upscale, just not the model asked for


def test_classic_output_against_new_model_goldens_fails(server, recorded, tmp_path):
    # Swap the goldens of the two ai.fast models: each answer then meets the other model's golden.
    base = tmp_path / "local" / PROFILE
    shutil.copytree(recorded / "local" / PROFILE / "ai.fast", base / f"ai.fast+{NEW_FAST_MODEL}")
    shutil.copytree(recorded / "local" / PROFILE / f"ai.fast+{NEW_FAST_MODEL}", base / "ai.fast")
    for name in SUBSET:
        assert check(server, tmp_path, name, "ai.fast", NEW_FAST_MODEL).regression.status == "fail"
        assert check(server, tmp_path, name, "ai.fast").regression.status == "fail"


@pytest.mark.parametrize("fmt", ["webp", "jpeg"])
def test_an_export_format_change_passes_where_the_calibration_says(server, recorded, fmt):
    result = check(server, recorded, "coffee_cup.png", "ai.fast", export_format=fmt)
    assert result.content_type == f"image/{fmt}"
    assert result.regression.status in ("pass", "warn") and not result.regression.identical


def test_jpeg_of_an_alpha_input_fails_because_jpeg_drops_alpha(server, recorded):
    result = check(server, recorded, "flat_logo_rgba.png", "ai.fast", export_format="jpeg")
    assert result.regression.status == "fail"


def test_a_changed_input_fails_until_re_recorded(server, recorded, tmp_path):
    changed = tmp_path / "coffee_cup.png"
    from PIL import Image

    Image.open(FIXTURES / "coffee_cup.png").transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(changed)
    with client_for(server) as client:
        result = gs.check_one(client, changed, recorded, "local", PROFILE, "ai.fast")
    assert result.regression.status == "fail" and "input changed" in result.regression.message


# --- the command line ---------------------------------------------------------------------------------


def run_cli(*args: str):
    return invoke("goldens", *args)


def test_cli_record_then_check_passes_and_reports_unused(inputs, tmp_path):
    shutil.copytree(inputs, tmp_path / "in")
    common = ["--golden-dir", str(tmp_path / "g"), "--inputs", str(tmp_path / "in"), "--mode", "ai.fast"]
    recorded = run_cli("record", *common)
    assert recorded.code == 0, recorded.output
    assert "3 created" in recorded.output
    (tmp_path / "in" / "coffee_cup.png").unlink()
    checked = run_cli("check", *common, "--diff-dir", str(tmp_path / "diffs"))
    assert checked.code == 0, checked.output
    assert "2 pass, 0 warn, 0 fail" in checked.output
    assert "unused" in checked.output and "coffee_cup.json" in checked.output


def test_cli_exit_codes(inputs, tmp_path):
    common = ["--golden-dir", str(tmp_path / "g"), "--inputs", str(inputs), "--mode", "ai.slow"]
    assert run_cli("check", *common).code == 2  # nothing recorded yet: a usage error
    assert run_cli("record", *common, "--budget", "0").code == 3  # budget spent: inconclusive
    assert run_cli("record", *common, "--mode", "ai.turbo").code == 2
    assert run_cli("record", *common, "--target", "ftp://x").code == 2
    assert run_cli("record", *common).code == 0
    # A golden from another engine in place of ai.slow's: the check fails (exit 1) with a diff image.
    other = tmp_path / "other"
    run_cli("record", "--golden-dir", str(other), "--inputs", str(inputs), "--mode", "ai.fast")
    slow = tmp_path / "g" / "local" / PROFILE / "ai.slow"
    for f in (other / "local" / PROFILE / "ai.fast").iterdir():
        shutil.copy(f, slow / f.name)
    failed = run_cli("check", *common, "--diff-dir", str(tmp_path / "diffs"))
    assert failed.code == 1, failed.output
    assert list((tmp_path / "diffs").rglob("*.diff.png"))
