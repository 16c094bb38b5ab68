"""Targets that sample, served: identical requests get slightly different answers. Recording measures that
run-to-run spread and stores it in the golden, checking judges drift against it, and MODEL-SWITCH
looks at what differs systematically; a deterministic target costs one probe per combo and is
judged exactly as before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from tests.support import cli
from upscale_conformance import goldens as gs
from upscale_conformance.client import Budget, UpscaleClient
from upscale_conformance.client.secret import Secret
from upscale_conformance.contract import load_profile
from upscale_conformance.server import Faults

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "inputs"
PROFILE = "pixel-budget-2026"
SUBSET = ("coffee_cup.png", "flat_logo_rgba.png", "text_scan.png")  # colour, alpha, grayscale
SAMPLING = Faults(sampling=2)  # answers vary by up to 2 levels per pixel: issue 9's server
KEY = "sk_test_sampling_0123456789"


@pytest.fixture(scope="module")
def profile():
    return load_profile(PROFILE)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("inputs")
    for name in SUBSET:
        shutil.copy(FIXTURES / name, folder / name)
    return gs.list_inputs(folder)


def client_for(url: str) -> UpscaleClient:
    return UpscaleClient(url, Secret("test-key"), Budget(None))


def arrived(url: str) -> int:
    return httpx.get(f"{url}/health").json()["requests"]


# --- record and check ----------------------------------------------------------------------------


def test_a_deterministic_target_costs_one_probe_per_combo_and_stores_no_spread(local_server, profile, inputs,
                                                                              tmp_path):
    url = local_server(PROFILE, fresh=True)
    pairs = gs.plan(inputs, profile, gs.combos_for(profile))
    assert gs.record_calls(pairs) == (9 + 3, 2 * 9)  # 3 inputs x 3 combos; at most 2 answers each
    with client_for(url) as client:
        report = gs.record(client, inputs, tmp_path, "local", profile)
    assert report.calls == arrived(url) == 9 + 3  # one per pair, plus one probe per combo
    assert (report.probes, report.extra_samples) == (3, 0)
    assert report.samples == {c.slug: 1 for c in gs.combos_for(profile)}
    for path in tmp_path.rglob("*.json"):
        data = json.loads(path.read_text())
        assert "spread" not in data and "samples" not in data


def test_the_committed_goldens_re_record_unchanged(local_server, profile, inputs, tmp_path):
    shutil.copytree(gs.default_golden_dir() / "local" / PROFILE, tmp_path / "local" / PROFILE)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with client_for(local_server(PROFILE)) as client:
        kept = gs.record(client, inputs, tmp_path, "local", profile)
        updated = gs.record(client, inputs, tmp_path, "local", profile, update=True)
    assert {o.action for o in kept.outcomes} == {"unchanged"} == {o.action for o in updated.outcomes}
    assert len(kept.outcomes) == 9
    # --update deletes the goldens of inputs outside the subset; the subset's files stay byte for byte.
    assert all(p.read_bytes() == data for p, data in before.items() if p.exists())


def test_a_sampling_target_records_its_spread_and_passes_its_own_check(local_server, profile, inputs, tmp_path):
    url = local_server(PROFILE, faults=SAMPLING)
    with client_for(url) as client:
        report = gs.record(client, inputs, tmp_path, "local", profile)
        assert report.calls == 2 * 9 and (report.probes, report.extra_samples) == (3, 6)
        assert set(report.samples.values()) == {2}
        checked = gs.check(client, inputs, tmp_path, "local", profile)
        again = gs.record(client, inputs, tmp_path, "local", profile)
    for path in tmp_path.rglob("*.json"):
        data = json.loads(path.read_text())
        assert data["samples"] == 2 and data["spread"]["flat_noise"] > 1.0, path
    assert len(checked.checks) == 9
    assert not [c.regression.message for c in checked.checks if c.regression.status == "fail"]
    # Without the spread these would have warned or failed: the noise alone is past the warn threshold.
    noise = gs.load_thresholds().regression["flat_noise"]
    raw = [next(m.value for m in c.regression.metrics if m.name == "flat_noise") for c in checked.checks]
    assert sum(v > noise.warn for v in raw) >= 3, raw
    assert "widened" in checked.checks[0].regression.message
    # A fresh sample of the same answers is no change: nothing to rewrite.
    assert {o.action for o in again.outcomes} == {"unchanged"}


def test_a_blurred_sampling_target_fails_against_the_sampling_goldens(local_server, profile, inputs, tmp_path):
    combos = [gs.Combo("ai.fast")]
    with client_for(local_server(PROFILE, faults=SAMPLING)) as client:
        gs.record(client, inputs, tmp_path, "local", profile, combos)
    with client_for(local_server(PROFILE, faults=SAMPLING.replace(blur=1.0))) as client:
        checked = gs.check(client, inputs, tmp_path, "local", profile, combos)
    failed = [c for c in checked.checks if c.regression.status == "fail"]
    assert failed, [c.regression.message for c in checked.checks]
    assert any(m.name == "band_4_8" and m.status == "fail" for c in failed for m in c.regression.metrics)


# --- MODEL-SWITCH end to end --------------------------------------------------------------------------


def run_switch_suite(tmp_path: Path, url: str) -> tuple[int, dict, str]:
    ran = cli.run(tmp_path, "--target", url, "--quick", "--", "-k", "switches", key=KEY)
    return ran.code, ran.summary["clauses"], ran.output


@pytest.mark.parametrize(("faults", "verdict"), [
    (SAMPLING, "PASS"),
    (SAMPLING.replace(ignore_model_header=True), "FAIL"),
], ids=["sampling-switches", "sampling-ignores-header"])
def test_model_switch_is_judged_beyond_the_run_to_run_variation(tmp_path, local_server, faults, verdict):
    # The server in a thread of this process, the run in a process of its own: a target like any other.
    url = local_server(PROFILE, api_key=KEY, faults=faults, fresh=True)
    code, clauses, output = run_switch_suite(tmp_path, url)
    assert clauses["MODEL-SWITCH"]["verdict"] == verdict, output
    assert code == (0 if verdict == "PASS" else 1), output
