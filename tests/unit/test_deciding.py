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
    assert set(decision.known) == {"file", "entries", "unmatched"}  # the summary's known_failures section
    assert decision.known["unmatched"] == []


def test_without_a_known_failures_file_there_is_no_section():
    decision = decide([mirrored()], LEVELS)
    assert decision.known is None and decision.known_lines == {}


def test_pytest_failing_outside_any_clause_is_inconclusive_not_conformant():
    assert decide([passed("DIM-4X")], LEVELS, pytest_exit=2).exit_code == 3  # e.g. a collection error
    assert decide([], LEVELS, pytest_exit=5).exit_code == 2  # no tests collected: no verdict at all
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


# --- what exit 0 means: every selected must clause judged and kept, or failed only in known ways -------------

SIZE = {"clause": "DIM-4X", "code": "size_not_4x", "message": "one pixel too many",
        "evidence": {"asked": {"mode": "ai.fast", "export_format": "png", "input_kind": "PNG"}}}
SIZE_FP = "DIM-4X/size_not_4x/ai.fast/-/png/PNG"


def both_known(geometry: str = "2026-08-01", size: str = "2026-07-15") -> list:
    return parse_text(f"- fingerprint: {FP}\n  reason: ticket 42\n  expires: {geometry}\n"
                      f"- fingerprint: {SIZE_FP}\n  reason: ticket 43\n  expires: {size}\n", today=TODAY)


def test_a_run_that_selected_no_test_is_a_usage_error_naming_its_selection():
    decision = decide([], LEVELS, pytest_exit=5, selection="-k 'no_such_test'")
    assert decision.exit_code == 2 and decision.verdict == "usage error: no test selected"
    assert decision.coverage.to_dict() == {"judged": 0, "clauses": 4, "selection": "-k 'no_such_test'",
                                           "not_judged": []}
    skipped = Outcome(("DIM-4X",), skipped="economy: judged elsewhere")
    decision = decide([skipped], LEVELS, pytest_exit=0)  # every selected test skipped itself: nothing judged
    assert decision.exit_code == 2 and decision.verdict == "usage error: no selected test ran (each skipped itself)"


def test_a_known_failure_never_hides_a_selected_must_clause_left_unjudged():
    # One test names both clauses and stopped at its first failing check: DIM-4X was never judged.
    stopped = Outcome(("FIDELITY-GEOMETRY", "DIM-4X"), failed=True, violations=[dict(MIRRORED)], error="m")
    decision = decide([stopped], LEVELS, known=known(), today=TODAY)
    assert decision.verdicts["FIDELITY-GEOMETRY"].verdict == KNOWN and decision.verdicts["DIM-4X"].verdict == NOT_RUN
    assert decision.exit_code == 3 and decision.coverage.not_judged == ("DIM-4X",)
    assert decision.verdict == "inconclusive: 1 selected must clause not judged"
    assert decide([stopped], LEVELS).exit_code == 1  # without the file: the failure itself
    # Judged and kept before the failure (Recorder.kept): nothing is hidden, the gate passes.
    kept = Outcome(("FIDELITY-GEOMETRY", "DIM-4X"), failed=True, violations=[dict(MIRRORED)], error="m",
                   judged=("DIM-4X",))
    assert decide([kept], LEVELS, known=known(), today=TODAY).exit_code == 0
    # An observe clause left unjudged does not hold the gate: only must clauses do.
    observe = Outcome(("FIDELITY-GEOMETRY", "HTTP-HYGIENE"), failed=True, violations=[dict(MIRRORED)], error="m")
    assert decide([observe], LEVELS, known=known(), today=TODAY).exit_code == 0


def test_a_clause_no_selected_test_ran_is_narrowed_out_not_unjudged():
    economy = Outcome(("LIMIT-SLOW-EDGE",), skipped="economy: the fixed limit cases decide it")
    decision = decide([passed("DIM-4X"), economy], LEVELS, selection="-k 'dim', quick")
    assert decision.exit_code == 0 and decision.verdict == "conformant"
    assert decision.coverage.to_dict() == {"judged": 1, "clauses": 4, "selection": "-k 'dim', quick",
                                           "not_judged": []}


def test_a_run_with_known_failures_says_how_many_and_the_first_expiry():
    outcomes = [mirrored(), Outcome(("DIM-4X",), failed=True, violations=[dict(SIZE)], error="size")]
    decision = decide(outcomes, LEVELS, known=both_known(), today=TODAY)
    assert decision.exit_code == 0
    assert decision.verdict == "conformant with 2 known failures (first expiry 2026-07-15)"
    one = decide([mirrored()], LEVELS, known=known(), today=TODAY)
    assert one.verdict == "conformant with 1 known failure (first expiry 2026-08-01)"


def test_a_failing_finding_no_entry_matched_is_listed_with_its_fingerprint():
    outcomes = [mirrored(), Outcome(("DIM-4X",), failed=True, violations=[dict(SIZE)], error="size")]
    decision = decide(outcomes, LEVELS, known=known(), today=TODAY)
    assert decision.exit_code == 1 and decision.verdict == "a must clause failed"
    assert decision.known["unmatched"] == [SIZE_FP]
    # A finding only an expired entry names is not unmatched: that entry says `expired`.
    decision = decide(outcomes, LEVELS, known=both_known(size="2026-05-01"), today=TODAY)
    assert decision.known["unmatched"] == [] and decision.exit_code == 1


def test_a_narrowed_run_says_on_its_verdict_line_and_page_how_many_clauses_it_judged(tmp_path):
    from rich.console import Console

    from upscale_conformance.report import render
    from upscale_conformance.report.summary import print_table, summary_record
    from upscale_conformance.verdicts import Tally

    tally = Tally()
    tally.add(passed("DIM-4X"))
    decision = decide(tally.outcomes, LEVELS, selection="-k 'dim', quick")
    summary = summary_record(tally, decision, {}, target="local", profile="pixel-budget-2026").to_dict()
    console = Console(width=200, force_terminal=False, record=True)
    print_table(summary, console)
    line = console.export_text().strip().splitlines()[-1]
    assert line.startswith("verdict: conformant (exit 0); judged 1 of 4 clauses (narrowed: -k 'dim', quick);"), line
    assert "judged 1 of 4 clauses (narrowed: -k &#x27;dim&#x27;, quick)" in render(summary, tmp_path)


def test_a_known_failure_never_hides_the_must_clause_it_blocked():
    """DIM-4X accepted as known, but the geometry it left unjudged is BLOCKED: no conformant run (exit 3)."""
    size = {"clause": "DIM-4X", "code": "size_not_4x", "message": "m", "evidence": {"asked": {"mode": "ai.fast"}}}
    blocked = Outcome(("DIM-4X", "FIDELITY-GEOMETRY"), failed=True, violations=[size],
                      blocked=({"clause": "FIDELITY-GEOMETRY", "by": "DIM-4X", "reason": "wrong shape"},))
    entry = parse_text("- fingerprint: DIM-4X/size_not_4x/ai.fast/-/-/-\n  reason: vendor ticket 43\n"
                       "  expires: 2026-08-01\n", today=TODAY)
    decision = decide([blocked], LEVELS, known=entry, today=TODAY)
    assert decision.verdicts["DIM-4X"].verdict == KNOWN
    assert decision.verdicts["FIDELITY-GEOMETRY"].verdict == "BLOCKED"
    assert decision.verdicts["FIDELITY-GEOMETRY"].reason == "blocked by DIM-4X: wrong shape"
    assert decision.exit_code == 3
    assert decide([blocked], LEVELS).exit_code == 1  # unknown, the failure decides
