"""Deciding a run: from its test outcomes, the known-failures entries and today's date to the final verdict
(one verdict per clause, the KNOWN ones, the exit code). Pure: no file, clock, environment or terminal; the
caller hands it the clause levels, the entries and the date, then writes (``report.summary``) and prints.

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
from ..verdicts import FAIL, KNOWN, ClauseVerdict, Outcome, Tally, exit_code

NO_TESTS_RAN = 5  # pytest's exit status when it collected nothing: no failure of its own


@dataclass(frozen=True)
class Decision:
    verdicts: dict[str, ClauseVerdict]  # per clause, KNOWN where the known failures accepted every FAIL finding
    exit_code: int  # 0 conformant, 1 a must clause failed, 3 inconclusive
    findings: dict[str, list[str]] = field(default_factory=dict)  # FAIL/KNOWN clause: every failing fingerprint
    known: dict[str, Any] | None = None  # what each known-failures entry did (None: no file was given)
    known_lines: dict[str, list[int]] = field(default_factory=dict)  # clause: the entries that matched it


def decide(outcomes: Iterable[Outcome], levels: Mapping[str, str], *, pytest_exit: int = 0,
           known: list[KnownEntry] | None = None, today: date | None = None, known_file: str = "") -> Decision:
    """The final verdict of the run whose tests ended as ``outcomes``; ``levels`` gives each clause's level
    under the profile, ``pytest_exit`` is pytest's own exit status, and ``known`` (read from ``known_file``)
    is matched as of ``today``."""
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
    code = exit_code(verdicts)
    if code == 0 and pytest_exit not in (0, NO_TESTS_RAN) and not any(
            v.verdict in (FAIL, KNOWN) for v in verdicts.values()):
        code = 3  # pytest failed outside any clause (collection, internal error): no verdict was reached
    # Every failing finding, where the evidence keeps the first few: what triage and the store read.
    findings = {cid: sorted({finding_from(f).fingerprint for f in failures[cid]})
                for cid, v in verdicts.items() if v.verdict in (FAIL, KNOWN) and failures.get(cid)}
    return Decision(verdicts, code, findings, section, lines)
