"""Deciding a run (report/deciding.py): test outcomes, known-failures entries and a date in, per-clause verdicts,
the KNOWN ones and the exit code out; nothing read, nothing written. No server, no process."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from upscale_conformance.history.known import parse_text
from upscale_conformance.report.deciding import decide
from upscale_conformance.verdicts import FAIL, INCONCLUSIVE, KNOWN, NOT_RUN, OBSERVED, PASS, Outcome

TODAY = date(2026, 6, 1)
LEVELS = {"DIM-4X": "must", "FIDELITY-GEOMETRY": "must", "HTTP-HYGIENE": "observe", "LIMIT-SLOW-EDGE": "must"}
FP = "FIDELITY-GEOMETRY/fidelity_mirrored/ai.fast/-/png/PNG"
MIRRORED = {"clause": "FIDELITY-GEOMETRY", "code": "fidelity_mirrored", "message": "m",
            "evidence": {"asked": {"mode": "ai.fast", "export_format": "png", "input_kind": "PNG"}}}


def known(expires: str = "2026-08-01") -> list:
    return parse_text(f"- fingerprint: {FP}\n  reason: vendor ticket 42\n  expires: {expires}\n", today=TODAY)


def mirrored() -> Outcome:
    return Outcome(("FIDELITY-GEOMETRY",), failed=True, violations=[dict(MIRRORED)], error="mirrored")


def passed(*clauses: str, **kw) -> Outcome:
    return Outcome(clauses, passed=True, **kw)


@pytest.mark.parametrize(("outcomes", "entries", "verdicts", "code"), [
    ([passed("DIM-4X"), passed("FIDELITY-GEOMETRY")], None, {"DIM-4X": PASS, "FIDELITY-GEOMETRY": PASS}, 0),
    ([passed("DIM-4X"), mirrored()], None, {"DIM-4X": PASS, "FIDELITY-GEOMETRY": FAIL}, 1),
    ([passed("DIM-4X"), mirrored()], known(), {"FIDELITY-GEOMETRY": KNOWN}, 0),
    ([passed("DIM-4X"), mirrored()], known("2026-05-31"), {"FIDELITY-GEOMETRY": FAIL}, 1),  # expired
    ([passed("DIM-4X"), Outcome(("FIDELITY-GEOMETRY",), inconclusive="the target is down")], None,
     {"FIDELITY-GEOMETRY": INCONCLUSIVE}, 3),
    ([passed("DIM-4X")], None, {"FIDELITY-GEOMETRY": NOT_RUN, "LIMIT-SLOW-EDGE": NOT_RUN}, 0),
    ([passed("HTTP-HYGIENE", observations=[{"clause": "HTTP-HYGIENE", "summary": "no Date header"}])], None,
     {"HTTP-HYGIENE": OBSERVED}, 0),
    ([mirrored(), Outcome(("DIM-4X",), inconclusive="budget spent")], None, {"DIM-4X": INCONCLUSIVE}, 1),
    ([mirrored(), Outcome(("DIM-4X",), inconclusive="budget spent")], known(), {"FIDELITY-GEOMETRY": KNOWN}, 3),
], ids=["pass", "fail", "known", "expired", "inconclusive", "not-run", "observed", "fail-beats-inconclusive",
        "known-then-inconclusive"])
def test_outcomes_and_known_failures_decide_the_verdicts_and_the_exit_code(outcomes, entries, verdicts, code):
    decision = decide(outcomes, LEVELS, known=entries, today=TODAY)
    assert {cid: decision.verdicts[cid].verdict for cid in verdicts} == verdicts
    assert decision.exit_code == code


def test_a_known_failure_says_which_entry_and_keeps_its_findings():
    decision = decide([mirrored()], LEVELS, known=known(), today=TODAY, known_file="known.yaml")
    assert decision.findings == {"FIDELITY-GEOMETRY": [FP]} and decision.known_lines == {"FIDELITY-GEOMETRY": [1]}
    assert decision.known["file"] == "known.yaml" and decision.known["entries"][0]["state"] == "known"
    assert set(decision.known) == {"file", "entries"}  # the summary's known_failures section, as it was


def test_without_a_known_failures_file_there_is_no_section():
    decision = decide([mirrored()], LEVELS)
    assert decision.known is None and decision.known_lines == {}


def test_pytest_failing_outside_any_clause_is_inconclusive_not_conformant():
    assert decide([passed("DIM-4X")], LEVELS, pytest_exit=2).exit_code == 3  # e.g. a collection error
    assert decide([passed("DIM-4X")], LEVELS, pytest_exit=5).exit_code == 0  # no tests collected: no failure
    # A failing clause explains pytest's failure; KNOWN does too, so the gate passes.
    assert decide([mirrored()], LEVELS, pytest_exit=1, known=known(), today=TODAY).exit_code == 0


def test_deciding_changes_nothing_it_is_handed_and_decides_the_same_twice():
    outcomes, entries = [passed("DIM-4X"), mirrored()], known()
    before = copy.deepcopy(outcomes)
    first = decide(outcomes, LEVELS, known=entries, today=TODAY)
    second = decide(outcomes, LEVELS, known=entries, today=TODAY)
    assert outcomes == before and first == second
    assert decide(outcomes, LEVELS).verdicts["FIDELITY-GEOMETRY"].verdict == FAIL  # no KNOWN left behind


def test_known_failures_need_the_date_they_are_matched_on():
    with pytest.raises(ValueError, match="today"):
        decide([mirrored()], LEVELS, known=known())
