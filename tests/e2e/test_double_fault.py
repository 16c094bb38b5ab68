"""Every answer is judged by every clause that applies to it (issue 28): against a reference server with two
faults planted at once, a mirror and one pixel too many, one quick run fails both FIDELITY-GEOMETRY (compared
after resizing the answer, and saying so) and DIM-4X; where the answer is too far off to compare (axes swapped),
the geometry is BLOCKED by DIM-4X with its reason, in summary.json, the terminal table, JUnit and the page."""

from __future__ import annotations

from tests.support.cli import run
from upscale_conformance.server import serve_in_thread
from upscale_conformance.server.faults import Faults

KEY = "sk_test_double_fault_5b8e"


def test_a_mirror_and_one_pixel_too_many_both_fail_in_one_quick_run(tmp_path):
    with serve_in_thread(api_key=KEY, faults=Faults(mirror=True, size_offset=1)) as url:
        ran = run(tmp_path, "--target", url, "--quick", "--", "-k", "faithful or each_export_format", key=KEY)
    clauses = ran.summary["clauses"]
    assert ran.code == 1, ran.output[-3000:]
    assert clauses["DIM-4X"]["verdict"] == "FAIL", clauses["DIM-4X"]
    geometry = clauses["FIDELITY-GEOMETRY"]
    assert geometry["verdict"] == "FAIL", geometry
    assert {e["code"] for e in geometry["evidence"]} == {"fidelity_mirrored"}
    assert "compared after resizing" in geometry["evidence"][0]["message"]
    assert " -> " in geometry["evidence"][0]["evidence"]["measured"]["compared_after_resize"]
    # Judged on the same answers rather than left NOT RUN behind the size: decoding, colour, the format.
    for judged in ("OUT-DECODES", "FIDELITY-COLOUR", "FMT-EXPORT"):
        assert clauses[judged]["verdict"] == "PASS", clauses[judged]
    unjudged = {cid: c for cid, c in clauses.items() if c["verdict"] in ("BLOCKED", "NOT RUN", "INCONCLUSIVE")}
    assert unjudged and all(c.get("reason") for c in unjudged.values()), unjudged
    assert all(c["reason"].startswith("blocked by ") for c in unjudged.values() if c["verdict"] == "BLOCKED")


def test_a_geometry_that_cannot_be_compared_is_blocked_with_its_reason_everywhere(tmp_path):
    with serve_in_thread(api_key=KEY, faults=Faults(mirror=True, swap_axes=True)) as url:
        # 44x30 inputs: swapped, the answer is too far from 176x120 to compare (a square one would be judged)
        ran = run(tmp_path, "--target", url, "--quick", "--", "-k", "each_input_format", key=KEY)
    assert ran.code == 1, ran.output[-3000:]
    geometry = ran.summary["clauses"]["FIDELITY-GEOMETRY"]
    assert ran.summary["clauses"]["DIM-4X"]["verdict"] == "FAIL"
    assert geometry["verdict"] == "BLOCKED", geometry
    assert geometry["reason"].startswith("blocked by DIM-4X: no geometry comparison on an answer of the wrong size")
    assert "BLOCKED" in ran.output and "blocked by DIM-4X" in ran.output  # the terminal table
    report = tmp_path / "latest"
    junit = (report / "junit.xml").read_text()
    assert 'name="clause FIDELITY-GEOMETRY"' in junit and "BLOCKED: blocked by DIM-4X" in junit
    assert "[FIDELITY-GEOMETRY] BLOCKED by DIM-4X" in junit  # in the failure of the test that could not judge it
    page = (report / "index.html").read_text()
    assert 'class="BLOCKED"' in page and "blocked by DIM-4X: no geometry comparison" in page
