"""The perceptual suite against a server whose answer is no image: the portable verdict fails instead of
passing."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

INPUTS = Path(__file__).resolve().parents[2] / "fixtures" / "inputs"
R = Image.Resampling
KEY = "sk_test_perceptual_7d2e91"


def test_an_answer_that_is_no_image_fails_the_portable_verdict_instead_of_passing_it(tmp_path):
    """Without goldens the perceptual group judges only PERCEPTUAL-PORTABLE; an answer that does not
    decode must not leave that clause PASS with nothing judged."""
    import json
    import subprocess
    import sys

    from upscale_conformance.contract import suites_dir
    from upscale_conformance.server import serve_in_thread
    from upscale_conformance.server.faults import Faults

    summary = tmp_path / "summary.json"
    with serve_in_thread(faults=Faults(truncate_output=True)) as url:
        out = subprocess.run([sys.executable, "-m", "pytest", str(suites_dir() / "test_perceptual.py"), "-q",
                              "-p", "no:cacheprovider", "--upscale-target", url, "--upscale-api-key", "k-0123456789",
                              "--upscale-quick", "1", "--upscale-golden-target", "nobody-recorded-this",
                              "--upscale-summary", str(summary)], capture_output=True, text=True, timeout=300)
    portable = json.loads(summary.read_text())["clauses"]["PERCEPTUAL-PORTABLE"]
    assert portable["verdict"] == "FAIL", out.stdout[-2000:]
    assert "does not decode" in portable["evidence"][0]["message"]


def test_a_perceptual_failure_leaves_its_pictures_and_a_bundle(tmp_path):
    """A blurred server fails PERCEPTUAL-REGRESSION against the committed goldens of the reference server; the
    suite sends through the recording fixture, so the finding leaves pictures of the exchange and a bundle.
    No check replay can call judges against a golden, so that bundle names no check (``call: null``), as
    Schemathesis's findings do; its exchange is there all the same."""
    from tests.support.cli import run
    from upscale_conformance.replay import find_bundles, load_bundle
    from upscale_conformance.replay.engine import not_replayable
    from upscale_conformance.server import serve_in_thread
    from upscale_conformance.server.faults import Faults

    with serve_in_thread(api_key=KEY, faults=Faults(blur=1.5)) as url:
        ran = run(tmp_path, "--target", url, "--quick", "--golden-target", "local", "--", "-k",
                  "close_to_its_golden", key=KEY)
    assert ran.code == 1, ran.output[-3000:]
    report = tmp_path / "latest"
    regression = ran.summary["clauses"]["PERCEPTUAL-REGRESSION"]
    assert regression["verdict"] == "FAIL", regression
    evidence = regression["evidence"][0]["evidence"]
    assert (report / evidence["bundle"] / "request.json").is_file(), evidence
    for picture in ("input_image", "output_image", "diff_image"):
        assert Path(evidence[picture]).is_file() or (report / evidence[picture]).is_file(), (picture, evidence)
    assert evidence["asked"]["mode"] in ("ai.fast", "ai.slow") and evidence["status"] == 200, evidence
    bundles = [load_bundle(f) for f in find_bundles(report)]
    mine = [b for b in bundles if b.clause == "PERCEPTUAL-REGRESSION"]
    assert mine and all(b.finding.call is None and not_replayable(b) for b in mine), bundles


def test_a_portable_failure_leaves_a_bundle_that_replays(tmp_path):
    """The portable verdict is a check of checks.py (check_portable): its bundle replays, STILL FAILING on
    the server that broke it and FIXED on the reference server."""
    from tests.support.cli import cli, run
    from upscale_conformance.replay import find_bundles, load_bundle
    from upscale_conformance.server import serve_in_thread
    from upscale_conformance.server.faults import Faults

    with serve_in_thread(api_key=KEY, faults=Faults(truncate_output=True)) as url:
        ran = run(tmp_path, "--target", url, "--quick", "--golden-target", "nobody-recorded-this", "--", "-k",
                  "honest_upscale", key=KEY)
        assert ran.summary["clauses"]["PERCEPTUAL-PORTABLE"]["verdict"] == "FAIL", ran.output[-3000:]
        report = tmp_path / "latest"
        bundles = [load_bundle(f) for f in find_bundles(report)]
        portable = [b for b in bundles if b.clause == "PERCEPTUAL-PORTABLE"]
        assert portable and all(b.finding.call["function"] == "check_portable" for b in portable), bundles
        again = cli("replay", str(portable[0].folder), "--target", url, key=KEY)
    assert again.code == 1 and "STILL FAILING" in again.output, again.output
    fixed = cli("replay", str(portable[0].folder), "--target", "local")
    assert fixed.code == 0 and "FIXED" in fixed.output, fixed.output
