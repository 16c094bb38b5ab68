"""From test outcomes to clause verdicts and exit codes, decided in this process: a failure names only
the clause its violation breaks, an unexpected error fails every clause of its test, inconclusive is exit
3 unless something failed, and observations and should-clauses never fail the run."""

from __future__ import annotations

from upscale_conformance.verdicts import Outcome, Recorder, Tally, exit_code

LEVELS = {"A": "must", "B": "must", "O": "observe", "S": "should"}


def verdicts(*outcomes: Outcome) -> dict[str, str]:
    tally = Tally()
    for o in outcomes:
        tally.add(o)
    found = tally.verdicts(LEVELS)
    return {cid: v.verdict for cid, v in found.items()} | {"exit": exit_code(found)}


def violation(clause: str) -> dict:
    return {"code": "x", "clause": clause, "message": "m", "evidence": {}}


def test_a_failure_names_only_the_clause_its_violation_breaks():
    got = verdicts(Outcome(("A", "B"), failed=True, violations=[violation("B")]), Outcome(("A",), passed=True))
    assert got == {"A": "PASS", "B": "FAIL", "O": "NOT RUN", "S": "NOT RUN", "exit": 1}


def test_an_unexpected_error_fails_every_clause_of_the_test():
    got = verdicts(Outcome(("A", "B"), failed=True, error="KeyError"))
    assert got["A"] == got["B"] == "FAIL"


def test_inconclusive_is_exit_3_unless_something_failed():
    assert verdicts(Outcome(("A",), passed=True), Outcome(("B",), inconclusive="budget spent"))["exit"] == 3
    got = verdicts(Outcome(("A",), failed=True, violations=[violation("A")]), Outcome(("B",), inconclusive="x"))
    assert got["exit"] == 1 and got["B"] == "INCONCLUSIVE"


def test_observations_make_an_observe_clause_observed_and_should_failures_do_not_fail_the_run():
    got = verdicts(Outcome(("O",), passed=True, observations=[{"clause": "O", "summary": "400", "evidence": {}}]),
                   Outcome(("S",), failed=True, violations=[violation("S")]))
    assert got["O"] == "OBSERVED" and got["S"] == "FAIL" and got["exit"] == 0


def test_a_clause_judged_and_kept_before_the_test_failed_on_another_still_passes():
    tally = Tally()
    broken = [{"code": "regression_fail", "clause": "PERCEPTUAL-REGRESSION", "message": "x", "evidence": {}}]
    tally.add(Outcome(clauses=("PERCEPTUAL-PORTABLE", "PERCEPTUAL-REGRESSION"), failed=True, violations=broken,
                      judged=("PERCEPTUAL-PORTABLE",)))
    tally.add(Outcome(clauses=("DIM-4X", "FIDELITY-GEOMETRY"), failed=True,
                      violations=[{"code": "size_not_4x", "clause": "DIM-4X", "message": "x", "evidence": {}}]))
    verdicts = tally.verdicts({"PERCEPTUAL-PORTABLE": "should", "PERCEPTUAL-REGRESSION": "must", "DIM-4X": "must",
                               "FIDELITY-GEOMETRY": "must"})
    assert verdicts["PERCEPTUAL-PORTABLE"].verdict == "PASS"
    assert verdicts["PERCEPTUAL-REGRESSION"].verdict == "FAIL"
    assert verdicts["FIDELITY-GEOMETRY"].verdict == "NOT RUN"  # not judged: the test stopped at DIM-4X


def test_soft_checks_record_every_check_of_an_answer_and_raise_once_for_all():
    """``judge`` records and goes on; the next ``check`` raises once with every finding, so Hypothesis shrinks
    on one failure per answer; the clauses a check judged with no finding are kept."""
    import pytest

    from upscale_conformance.findings import Violation

    recorder = Recorder()
    size = Violation("size_not_4x", "DIM-4X", "161x96, expected 160x96")
    mirror = Violation("fidelity_mirrored", "FIDELITY-GEOMETRY", "mirrored")
    recorder.judge(("DIM-4X",), [size])
    recorder.judge(("OUT-DECODES",), [])  # judged after a failure: no raise stopped it
    recorder.judge(("FIDELITY-GEOMETRY", "FIDELITY-COLOUR"), [mirror])
    with pytest.raises(AssertionError) as raised:
        recorder.check()
    assert "DIM-4X" in str(raised.value) and "FIDELITY-GEOMETRY" in str(raised.value)
    assert [v.clause for v in recorder.violations] == ["DIM-4X", "FIDELITY-GEOMETRY"]
    assert recorder.judged == {"OUT-DECODES", "FIDELITY-COLOUR"}
    recorder.check()  # raised once: nothing is held any more


def test_a_clause_another_failure_left_unjudged_is_blocked_with_its_reason_and_no_conformant_run():
    import pytest

    from upscale_conformance.findings import Violation

    recorder = Recorder()
    recorder.block("FIDELITY-GEOMETRY", "DIM-4X", "no geometry comparison on an answer of the wrong size")
    recorder.block("FIDELITY-GEOMETRY", "OUT-DECODES", "a later reason")  # the first reason stays
    recorder.judge(("DIM-4X",), [Violation("size_not_4x", "DIM-4X", "160x240, expected 240x160")])
    with pytest.raises(AssertionError, match=r"\[FIDELITY-GEOMETRY\] BLOCKED by DIM-4X: no geometry"):
        recorder.check()  # the failure says what it left unjudged
    payload = recorder.payload()
    assert payload["blocked"] == [{"clause": "FIDELITY-GEOMETRY", "by": "DIM-4X",
                                   "reason": "no geometry comparison on an answer of the wrong size"}]
    tally = Tally()
    tally.add(Outcome(("A", "B", "S"), failed=True, violations=[violation("B")],
                      blocked=({"clause": "A", "by": "B", "reason": "no picture"},), judged=("A", "S")))
    found = tally.verdicts(LEVELS)
    assert found["A"].verdict == "BLOCKED" and found["S"].verdict == "PASS" and found["B"].verdict == "FAIL"
    assert found["A"].evidence == [{"code": "blocked", "clause": "A", "blocked_by": "B",
                                    "message": "blocked by B: no picture"}]
    assert found["A"].reason == "blocked by B: no picture" and exit_code(found) == 1
    found["B"].verdict = "KNOWN"  # the failure accepted: the clause it left unjudged still holds the gate
    assert exit_code(found) == 3


def test_blocked_ranks_below_fail_and_above_pass_and_inconclusive():
    blocked = Outcome(("A",), failed=True, violations=[violation("B")],
                      blocked=({"clause": "A", "by": "B", "reason": "r"},))
    assert verdicts(Outcome(("A",), passed=True), blocked)["A"] == "BLOCKED"
    assert verdicts(blocked, Outcome(("A",), inconclusive="budget"))["A"] == "BLOCKED"
    got = verdicts(blocked, Outcome(("A",), failed=True, violations=[violation("A")]))
    assert got["A"] == "FAIL" and got["exit"] == 1
    tally = Tally()
    tally.add(blocked)
    tally.add(Outcome(("A",), failed=True, violations=[violation("A")]))
    assert [e["code"] for e in tally.verdicts(LEVELS)["A"].evidence] == ["x"]  # the failure, not the block
    should = verdicts(Outcome(("S", "B"), failed=True, violations=[violation("B")],
                              blocked=({"clause": "S", "by": "B", "reason": "r"},)))
    assert should["S"] == "BLOCKED" and should["exit"] == 1  # a should clause can be blocked too
    # A refusal the contract allows (a should clause failed) owes no upscale: what it left unjudged is not BLOCKED.
    refused = Outcome(("S", "A"), failed=True, violations=[violation("S")], judged=("A",),
                      blocked=({"clause": "A", "by": "S", "reason": "refused"},))
    allowed = verdicts(refused, Outcome(("A",), passed=True))
    assert allowed["A"] == "PASS" and allowed["exit"] == 0
