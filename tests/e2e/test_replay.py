"""A failure you can hold (issue 21): a mirrored server's run leaves bundles; replay says STILL FAILING
against it, FIXED against the reference server and FLAKY against one that mirrors every second answer;
a bundle's curl.sh gets the same failing answer; no file of a bundle holds the key. The exported pytest
module is run with the installed wheel in tests/e2e/test_packaging.py."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.support.cli import cli, run
from upscale_conformance.client import UpscaleResult
from upscale_conformance.replay import find_bundles, judge, load_bundle
from upscale_conformance.server import serve_in_thread
from upscale_conformance.server.faults import Faults

KEY = "sk_test_replay_4f1c9e2b7a"


@pytest.fixture(scope="module")
def mirrored():
    with serve_in_thread(api_key=KEY, faults=Faults(mirror=True)) as url:
        yield str(url)


@pytest.fixture(scope="module")
def report(mirrored, tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    ran = run(root, "--target", mirrored, "--quick", "--", "-k", "faithful", key=KEY)
    assert ran.code == 1, ran.output[-3000:]
    return root / "latest"


def test_a_failing_run_leaves_capped_bundles_named_in_its_evidence_and_no_key(report):
    summary = json.loads((report / "summary.json").read_text())
    assert summary["bundles"] == {"folder": "bundles", "per_clause": 3}
    folders = find_bundles(report)
    assert 1 <= len(folders) <= 3 and {load_bundle(f).clause for f in folders} == {"FIDELITY-GEOMETRY"}
    named = [e["evidence"]["bundle"] for e in summary["clauses"]["FIDELITY-GEOMETRY"]["evidence"]]
    assert named and all((report / n / "curl.sh").is_file() for n in named)
    html = (report / "index.html").read_text()
    assert named[0] in html
    for f in folders:  # the old curl line's upload is a file of the bundle
        upload = load_bundle(f).request["image"]
        assert f"imageFile=@{upload}" in html and (f / upload).is_file()
    for path in (report / "bundles").rglob("*"):
        assert path.is_dir() or KEY.encode() not in path.read_bytes(), path


def test_replay_still_fails_on_the_same_server_and_is_fixed_on_the_reference_one(report):
    ran = cli("replay", str(report), key=KEY)
    assert ran.code == 1, ran.output
    assert ran.output.count("STILL FAILING  FIDELITY-GEOMETRY-") == len(find_bundles(report)), ran.output
    assert "fidelity_mirrored" in ran.output and KEY not in ran.output

    fixed = cli("replay", str(report), "--target", "local", "--times", "2")
    assert fixed.code == 0, fixed.output
    assert fixed.output.count("FIXED  ") == len(find_bundles(report)) and "STILL" not in fixed.output


def test_a_server_that_fails_one_request_in_two_is_flaky(report):
    with serve_in_thread(api_key=KEY, faults=Faults(mirror_every=2)) as url:
        ran = cli("replay", str(report), "--target", str(url), "--times", "2", key=KEY)
    assert ran.code == 1, ran.output
    assert ran.output.count("FLAKY  ") == len(find_bundles(report)), ran.output
    assert "failed 1 of 2 tries" in ran.output


def test_curl_sh_gets_the_same_failing_answer(report):
    bundle = load_bundle(find_bundles(report)[0])
    env = {k: v for k, v in os.environ.items() if k != "PHOTOROOM_API_KEY"}
    done = subprocess.run(["sh", str(bundle.folder / "curl.sh")], env={**env, "PHOTOROOM_API_KEY": KEY},
                          cwd="/", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) == bundle.answer["status"] == 200
    again = UpscaleResult(200, {"content-type": "image/png"}, (bundle.folder / "result").read_bytes(), 0.0)
    assert [v.code for v in judge(bundle, again)] == [bundle.check["code"]]
    for path in bundle.folder.iterdir():  # what curl wrote beside the bundle holds no key either
        assert KEY.encode() not in path.read_bytes(), path


def test_a_hostile_input_crash_leaves_a_bundle_that_replays_still_failing_there_and_fixed_on_the_reference(
        tmp_path):
    """Issue 27's acceptance: the robustness group sends through the recording path, so a ROB-* failure
    leaves its bundle, and replay sends the hostile request again and judges it with the battery's judge."""
    with serve_in_thread(api_key=KEY, faults=Faults(bomb_status=500)) as url:
        ran = run(tmp_path, "--target", str(url), "--quick", "--", "-k", "robustness and bomb", key=KEY)
        assert ran.code == 1 and ran.summary["clauses"]["ROB-NO-5XX"]["verdict"] == "FAIL", ran.output[-3000:]
        report = tmp_path / "latest"
        evidence = ran.summary["clauses"]["ROB-NO-5XX"]["evidence"][0]["evidence"]
        assert evidence["asked"]["input_kind"] == "PNG" and evidence["status"] == 500, evidence
        bundle = load_bundle(report / evidence["bundle"])
        assert bundle.clause == "ROB-NO-5XX" and bundle.finding.call["function"] == "check_hostile_answer"
        assert "input_image" not in evidence  # a bomb's header claims 10^10 pixels: nothing to picture
        again = cli("replay", str(bundle.folder), key=KEY)
    assert again.code == 1 and "STILL FAILING  ROB-NO-5XX-" in again.output, again.output
    fixed = cli("replay", str(bundle.folder), "--target", "local")
    assert fixed.code == 0 and "FIXED  " in fixed.output, fixed.output
