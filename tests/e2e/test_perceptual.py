"""The perceptual suite against a server whose answer is no image: the portable verdict fails instead of
passing."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

INPUTS = Path(__file__).resolve().parents[2] / "fixtures" / "inputs"
R = Image.Resampling


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
