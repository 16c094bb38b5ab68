"""Issue 21: the smallest failing input (Hypothesis's final replay) and the shrink that a paid target caps.

A real Hypothesis test stands in for a suite: it "sends" by spending a budget, as the `upscale` fixture does,
and fails from a threshold on, so Hypothesis has something to shrink."""

from __future__ import annotations

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from upscale_conformance.client import Budget
from upscale_conformance.plugin.fixtures import shrink_gate
from upscale_conformance.plugin.profiles import ECONOMY_SHRINK_CALLS, with_database
from upscale_conformance.plugin.reports import given_arguments, hypothesis_evidence
from upscale_conformance.report.summary import first_evidence
from upscale_conformance.verdicts import Recorder, Violation

THRESHOLD = 1000


def _run(economy: bool, budget: Budget) -> tuple[Recorder, list[int], BaseException]:
    recorder, sent, current = Recorder(), [], {}
    recorder.describe_input = lambda: f"width {current['width']}"

    @settings(max_examples=50, derandomize=True, database=None, phases=[Phase.generate, Phase.shrink],
              print_blob=True, deadline=None)
    @given(width=st.integers(0, 100_000))
    def suite_test(width):
        shrink_gate(recorder, budget, economy, str(width))
        budget.spend()
        sent.append(width)
        current["width"] = width
        recorder.check([Violation("too_wide", "DIM-4X", f"{width}")] if width >= THRESHOLD else [])

    with pytest.raises(AssertionError) as failure:
        suite_test()
    return recorder, sent, failure.value


def test_without_a_cap_the_final_replay_is_the_smallest_failing_input():
    recorder, sent, _ = _run(economy=False, budget=Budget(None))
    assert sent[-1] == THRESHOLD  # Hypothesis shrank to the boundary and replayed it last
    assert [v.evidence["smallest_input"] for v in recorder.final] == [f"width {THRESHOLD}"]
    assert recorder.payload()["violations"][0]["evidence"]["smallest_input"] == f"width {THRESHOLD}"
    assert recorder.stopped_early == ""


def test_economy_caps_the_shrink_calls_and_says_so():
    budget = Budget(None)
    recorder, sent, exc = _run(economy=True, budget=budget)
    failed_at = next(i for i, w in enumerate(sent) if w >= THRESHOLD)
    # Calls after the first failure: the capped shrink steps, then the final replay (never refused).
    assert len(sent) - failed_at - 1 == ECONOMY_SHRINK_CALLS + 1
    assert recorder.stopped_early == f"shrinking stopped after {ECONOMY_SHRINK_CALLS} calls: economy cap"
    assert sent[-1] >= THRESHOLD and recorder.final  # the smallest found so far still fails and is reported
    payload = recorder.payload()
    hypothesis_evidence(payload["violations"], recorder, exc)
    info = payload["violations"][0]["evidence"]["hypothesis"]
    assert info["stopped_early"] == recorder.stopped_early and "@reproduce_failure(" in info["reproduce"]
    assert payload["violations"][0]["evidence"]["smallest_input"].startswith(f"width {sent[-1]}")


def test_shrinking_stops_while_the_budget_still_pays_for_the_final_replay():
    budget = Budget(12)  # the uncapped shrink above takes more than 12 calls
    recorder, sent, _ = _run(economy=False, budget=budget)
    assert recorder.stopped_early.endswith(": budget")
    assert budget.spent == len(sent) <= 12 and recorder.final  # no NoAnswer: the failure is kept, not INCONCLUSIVE


def test_the_table_and_the_page_line_name_the_smallest_input_and_why_shrinking_stopped():
    evidence = {"smallest_input": "ai.slow 25x10486 RGB PNG",
                "hypothesis": {"reproduce": "", "shrunk": True,
                               "stopped_early": "shrinking stopped after 8 calls: budget"}}
    entry = {"verdict": "FAIL", "evidence": [{"code": "accepted_past_limit", "message": "m", "evidence": evidence}]}
    assert first_evidence(entry) == ("accepted_past_limit: m; smallest failing input: ai.slow 25x10486 RGB PNG "
                                      "(shrinking stopped after 8 calls: budget)")


def test_generated_arguments_are_read_from_the_failing_example_and_fixtures_left_out():
    note = ("Failing test case: test_x(\n    upscale=,\n    verdict=,\n"
            "    case=ImageCase(width=8,\n height=9, seed=0),\n    mode='ai.slow',\n"
            "    data=,  # or any other generated value\n)")
    assert given_arguments([note]) == ["case=ImageCase(width=8, height=9, seed=0)", "mode='ai.slow'"]


def test_the_database_keeps_the_profile_and_adds_the_reuse_phase(tmp_path):
    previous = settings.default
    settings.load_profile("quick")
    try:
        loaded = with_database(tmp_path)
        assert loaded.derandomize and loaded.max_examples == 2 and Phase.reuse in loaded.phases
        assert Phase.shrink not in loaded.phases and loaded.database is not None
    finally:
        settings.register_profile("upscale-test-restore", parent=previous)
        settings.load_profile("upscale-test-restore")
