"""From test outcomes to clause verdicts and exit codes, decided in this process: a failure names only
the clause its violation breaks, an unexpected error fails every clause of its test, inconclusive is exit
3 unless something failed, and observations and should-clauses never fail the run."""

from __future__ import annotations

from upscale_conformance.verdicts import Outcome, Tally, exit_code

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
