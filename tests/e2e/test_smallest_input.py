"""Issue 21: a Hypothesis failure is reported with the smallest input that failed, and `--hypothesis-db` makes the
next run try it first. The planted fault accepts every size one pixel per axis past the limit; the limit suite's
Hypothesis test (`-k either_side`) draws widths on both sides of it."""

from __future__ import annotations

import json
import re

import pytest
from PIL import Image

from tests.support import cli
from upscale_conformance.contract import load_profile
from upscale_conformance.replay import load_bundle
from upscale_conformance.server import serve_in_thread
from upscale_conformance.server.faults import Faults

KEY = "sk_test_smallest_0123456789"
PROFILE = "pixel-budget-2026"
HYPOTHESIS_TEST = "either_side"
NODE = "test_any_width_on_either_side_of_the_limit"
pytestmark = pytest.mark.slow  # two whole Hypothesis runs, shrinking included, shared by both tests


def _smallest(summary: dict) -> tuple[str, dict]:
    """The failing clause whose first evidence is the final replay's, and that evidence."""
    for cid, c in summary["clauses"].items():
        if c["verdict"] == "FAIL" and c["evidence"] and "smallest_input" in c["evidence"][0]["evidence"]:
            return cid, c["evidence"][0]["evidence"]
    raise AssertionError(f"no smallest_input in {summary['clauses']}")


def _calls(summary: dict) -> int:
    return next(t["calls"] for t in summary["tests_detail"] if NODE in t["nodeid"])


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The same failing run twice with one example database: the first finds and shrinks the failure (the
    database starts empty, so it is a plain run), the second starts from what the first stored."""
    work = tmp_path_factory.mktemp("smallest")
    db, runs = work / "hypothesis-db", []
    with serve_in_thread(profile=PROFILE, api_key=KEY, faults=Faults(limit_offset=1)) as url:
        for n in (1, 2):
            runs.append(cli.run(work / f"run{n}", "--target", url, "--profile", PROFILE, "--hypothesis-db",
                                str(db), "--", "-k", HYPOTHESIS_TEST, "--hypothesis-show-statistics", key=KEY))
    return work, db, runs


def test_a_limit_off_by_one_is_reported_with_the_exact_size_one_past_the_limit(two_runs):
    work, _, (ran, _) = two_runs
    assert ran.code == 1, ran.output
    clause, evidence = _smallest(ran.summary)
    mode, width, height = re.match(r"(ai\.\w+) (\d+)x(\d+) ", evidence["smallest_input"]).groups()
    width, height, limit = int(width), int(height), load_profile(PROFILE).limit(mode)
    # Exactly one past: the height above the tallest the limit accepts for this width, and the clause is that mode's.
    assert (not limit.accepts(width, height)) and height == limit.largest_height(width) + 1, evidence
    assert clause == {"ai.fast": "LIMIT-FAST-EDGE", "ai.slow": "LIMIT-SLOW-EDGE"}[mode]
    assert f"SizeCase(width={width}, height={height}, accept=False" in evidence["smallest_input"]
    hypothesis = evidence["hypothesis"]
    assert "@reproduce_failure(" in hypothesis["reproduce"] and hypothesis["stopped_early"] == ""
    # Where a user reads it: the terminal table (its cell may wrap between borders) and the page.
    assert f"smallest failing input: {mode} {width}x{height}" in " ".join(ran.output.replace("│", " ").split())
    page = (work / "run1" / "latest" / "index.html").read_text()
    assert f"smallest failing input: {mode} {width}x{height}" in page and "@reproduce_failure(" in page
    # The failure's bundle keeps that smallest input: its upload is exactly that size, with Hypothesis's data.
    bundle = load_bundle(work / "run1" / "latest" / evidence["bundle"])
    with Image.open(bundle.folder / bundle.request["image"]) as upload:
        assert upload.size == (width, height)
    kept = json.loads((bundle.folder / "hypothesis.json").read_text())
    assert kept["smallest_input"] == evidence["smallest_input"] and "@reproduce_failure(" in kept["reproduce"]


def test_the_example_database_makes_the_next_run_try_the_stored_failure_first(two_runs):
    _, db, (first, second) = two_runs
    assert first.code == second.code == 1, second.output
    assert any(db.rglob("*")), "the failing run left no example in the database"
    # Hypothesis says it found the failure in its reuse phase (the database), before generating anything...
    assert "during reuse phase" not in first.output
    reuse = second.output.split("during reuse phase", 1)[1].split("- during", 1)[0]
    assert "1 failing" in reuse and "Found 1 distinct error" in reuse, second.output
    assert "during generate phase" not in second.output.split("Hypothesis Statistics", 1)[1]
    # ...so it costs the stored example and its final replay, and reports the same smallest input.
    assert _calls(second.summary) == 2 < _calls(first.summary)
    assert _smallest(second.summary)[1]["smallest_input"] == _smallest(first.summary)[1]["smallest_input"]
