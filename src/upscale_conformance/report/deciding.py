"""Deciding a run: from its test outcomes, the known-failures entries and today's date to the final verdict
(one verdict per clause, the KNOWN ones, the exit code). Pure: no file, clock, environment or terminal; the
caller hands it the clause levels, the entries and the date, then writes (``report.summary``) and prints.

What exit 0 means (README, "exit"; docs/must-audit.md): every ``must`` clause the run selected was judged
and kept (PASS), or failed only in ways a valid known-failures entry names (KNOWN), and none is left
unjudged (INCONCLUSIVE, NOT RUN although a test of it ran, or any verdict that is not in :data:`JUDGED`).
A clause is *selected* when a test naming it ran (a test that skipped itself, for economy or for want of
goldens, says why in the table, as ``-k`` narrows on purpose). A run in which no selected test ran is a
usage error (exit 2): it judged nothing.

>>> from upscale_conformance.verdicts import Outcome
>>> d = decide([Outcome(("DIM-4X",), failed=True, error="boom")], {"DIM-4X": "must"})
>>> d.verdicts["DIM-4X"].verdict, d.exit_code, d.findings
('FAIL', 1, {'DIM-4X': ['DIM-4X/test_error/-/-/-/-']})
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from ..history.known import KnownEntry, apply
from ..history.records import finding_from
from ..records.run import EXIT_MEANING
from ..verdicts import FAIL, KNOWN, OBSERVED, PASS, ClauseVerdict, Outcome, Tally, exit_code

NO_TESTS_RAN = 5  # pytest's exit status when it collected nothing: no failure of its own
# The verdicts that judged a clause. Every other one (NOT RUN, INCONCLUSIVE, and any verdict of a clause that
# could not be judged, such as one blocked by another clause's failure) keeps a selected must clause from exit 0.
JUDGED = frozenset({PASS, OBSERVED, FAIL, KNOWN})


@dataclass(frozen=True)
class Coverage:
    """How much of the profile the run judged: ``judged`` clauses of ``clauses``; ``selection`` says how the
    run was narrowed on purpose (``-k ...``, quick; "" when it was not); ``not_judged`` the must clauses the
    run selected and left without a verdict (they keep it from exit 0)."""

    judged: int
    clauses: int
    selection: str = ""
    not_judged: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"judged": self.judged, "clauses": self.clauses, "selection": self.selection,
                "not_judged": list(self.not_judged)}


@dataclass(frozen=True)
class Decision:
    verdicts: dict[str, ClauseVerdict]  # per clause, KNOWN where the known failures accepted every FAIL finding
    exit_code: int  # 0 conformant, 1 a must clause failed, 3 inconclusive
    findings: dict[str, list[str]] = field(default_factory=dict)  # FAIL/KNOWN clause: every failing fingerprint
    known: dict[str, Any] | None = None  # what each known-failures entry did (None: no file was given)
    known_lines: dict[str, list[int]] = field(default_factory=dict)  # clause: the entries that matched it
    verdict: str = ""  # the run's verdict as a person reads it, starting with the exit code's meaning
    coverage: Coverage | None = None


def decide(outcomes: Iterable[Outcome], levels: Mapping[str, str], *, pytest_exit: int = 0,
           known: list[KnownEntry] | None = None, today: date | None = None, known_file: str = "",
           selection: str = "") -> Decision:
    """The final verdict of the run whose tests ended as ``outcomes``; ``levels`` gives each clause's level
    under the profile, ``pytest_exit`` is pytest's own exit status, ``known`` (read from ``known_file``)
    is matched as of ``today``, and ``selection`` says how the run was narrowed (``-k ...``, quick)."""
    outcomes = list(outcomes)
    tally = Tally()
    for outcome in outcomes:
        tally.add(outcome)
    verdicts = tally.verdicts(dict(levels))
    failures = tally.failures()
    section, lines = None, {}
    if known is not None:
        if today is None:
            raise ValueError("known failures are matched as of a date: pass today")
        section = apply(verdicts, failures, known, today, known_file)
        lines, accepted = section.pop("clauses"), set(section.pop("known"))
        verdicts = {cid: replace(v, verdict=KNOWN) if cid in accepted else v for cid, v in verdicts.items()}
    ran = [o for o in outcomes if not o.skipped]
    selected = {cid for o in ran for cid in o.clauses}
    not_judged = tuple(sorted(cid for cid in selected if cid in verdicts and verdicts[cid].level == "must"
                              and verdicts[cid].verdict not in JUDGED))
    coverage = Coverage(sum(v.verdict in JUDGED for v in verdicts.values()), len(verdicts), selection, not_judged)
    code = exit_code(verdicts)
    if code == 0 and not_judged:
        code = 3  # e.g. a test failed on a known failure before it judged this clause: KNOWN hides nothing
    if code == 0 and pytest_exit not in (0, NO_TESTS_RAN) and not any(
            v.verdict in (FAIL, KNOWN) for v in verdicts.values()):
        code = 3  # pytest failed outside any clause (collection, internal error): no verdict was reached
    if not ran and pytest_exit in (0, NO_TESTS_RAN):
        code = 2  # nothing judged is no verdict, least of all "conformant"
    # Every failing finding, where the evidence keeps the first few: what triage and the store read.
    findings = {cid: sorted({finding_from(f).fingerprint for f in failures[cid]})
                for cid, v in verdicts.items() if v.verdict in (FAIL, KNOWN) and failures.get(cid)}
    return Decision(verdicts, code, findings, section, lines,
                    _statement(code, verdicts, section, coverage, bool(outcomes)), coverage)


def _statement(code: int, verdicts: Mapping[str, ClauseVerdict], section: dict[str, Any] | None,
               coverage: Coverage, any_test: bool) -> str:
    """The run's verdict in a few words (``summary.json``'s ``verdict``, the last line, the page's banner)."""
    meaning = EXIT_MEANING[code]
    if code == 2:
        return f"{meaning}: " + ("no selected test ran (each skipped itself)" if any_test else "no test selected")
    if code == 3 and coverage.not_judged:
        n = len(coverage.not_judged)
        return f"{meaning}: {n} selected must clause{'s' if n > 1 else ''} not judged"
    known = sum(v.verdict == KNOWN for v in verdicts.values())
    if code == 0 and known:
        first = min(e["expires"] for e in (section or {}).get("entries", ()) if e["state"] == "known")
        return f"{meaning} with {known} known failure{'s' if known > 1 else ''} (first expiry {first})"
    return meaning
