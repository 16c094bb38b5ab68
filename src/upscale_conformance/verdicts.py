"""From test outcomes to per-clause verdicts.

A test names its clauses with ``@pytest.mark.clause(...)``. While it runs it hands violations and
observations to a :class:`Recorder`; the plugin ships the recorder's content with the test report
(so it survives pytest-xdist) and a :class:`Tally` folds every report into one verdict per clause.

>>> tally = Tally()
>>> tally.add(Outcome(clauses=("DIM-4X",), passed=True, calls=2))
>>> tally.verdicts({"DIM-4X": "must"})["DIM-4X"].verdict
'PASS'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from .findings import Violation

PASS, FAIL, OBSERVED, INCONCLUSIVE, NOT_RUN = "PASS", "FAIL", "OBSERVED", "INCONCLUSIVE", "NOT RUN"
# A clause a test could not judge because another clause failed first on the same answer (no geometry
# comparison on an answer of the wrong shape): below FAIL, above INCONCLUSIVE; a must clause BLOCKED is no
# conformant run.
BLOCKED = "BLOCKED"
# A FAIL whose every finding a known-failures file accepts (history/known.py): it takes FAIL's place in the
# precedence, never counts as PASS, and does not fail the gate.
KNOWN = "KNOWN"
NO_FINDING = "test_error"  # the code of a clause failed by an exception rather than a finding
INCONCLUSIVE_PREFIX = "INCONCLUSIVE: "
MAX_EVIDENCE = 3
MAX_BUNDLES_PER_CLAUSE = 3  # replay bundles a run writes per clause (replay/bundle.py, docs/replay.md)


def in_hypothesis_example() -> tuple[bool, bool]:
    """(inside a Hypothesis example, and that example is the final replay of the failure it reports).

    Hypothesis replays the failing example it settled on once more, with ``is_final``, before it raises:
    what fails there is the smallest failing input (or the smallest found before shrinking stopped)."""
    from hypothesis.control import current_build_context, currently_in_test_context

    if not currently_in_test_context():
        return False, False
    return True, bool(current_build_context().is_final)


@dataclass(frozen=True)
class Blocked:
    """A clause a test could not judge on an answer, because clause ``by`` failed on it first (``reason``)."""

    clause: str
    by: str
    reason: str

    def __str__(self) -> str:
        return f"[{self.clause}] BLOCKED by {self.by}: {self.reason}"

    def as_dict(self) -> dict[str, str]:
        return {"clause": self.clause, "by": self.by, "reason": self.reason}


class Recorder:
    """Collects what one test found. Soft checks: ``judge`` records every check of an answer (and the
    clauses it kept), ``block`` a clause another one's failure left unjudged, and ``check`` raises once for
    everything recorded since the last raise, so the test (and Hypothesis, which shrinks on that raise) fail
    after every clause that applies to the answer was judged."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.observations: list[dict[str, Any]] = []
        self.cases = 0
        self.target_seconds = 0.0
        self.judged: set[str] = set()  # clauses this test judged and found kept, even if another one broke
        self.keep_evidence: Callable[[Violation], None] | None = None  # e.g. pictures of the exchange, for reports
        self._seen: dict[tuple[str, str], int] = defaultdict(int)
        # Hypothesis: what the last request was (set by the plugin), the failure it settled on, and the calls
        # spent after the first failure (shrinking and explaining it), which a paid target caps.
        self.describe_input: Callable[[], str] | None = None
        self.first_failing_input: str | None = None
        self.final: list[Violation] = []  # found in the final replay: the smallest failing input's violations
        self.calls_after_failure = 0
        self.sent_inputs: set[str] = set()  # keys of the inputs this test sent (the plugin's shrink gate)
        self.stopped_early = ""  # why shrinking stopped before Hypothesis was done, e.g. the budget
        self._held: list[Violation] = []  # recorded by hold(), raised by the next check()
        self.blocked: dict[str, Blocked] = {}  # clause -> the first reason it could not be judged
        self._held_blocked: list[Blocked] = []  # said by the next check()'s failure

    def check(self, *groups: list[Violation]) -> None:
        """Record the violations (their evidence is kept now, of the exchange at hand) and fail the test if
        there are any, or if violations were held (:meth:`hold`) since the last check."""
        found = self.hold(*groups)
        found, self._held = self._held, []
        blocked, self._held_blocked = self._held_blocked, []
        if found:  # what the failure left unjudged is said with it (the failure message is JUnit's too)
            raise AssertionError("\n".join([str(v) for v in found] + [str(b) for b in blocked]))

    def hold(self, *groups: list[Violation]) -> list[Violation]:
        """Record the violations now, while the exchange they were found on is the test's last one, and fail
        the test at its next :meth:`check` (a test that must send once more before it may fail)."""
        found = [v for group in groups for v in group]
        self._held.extend(found)
        final = bool(found) and self._note_failure(found)
        for v in found if not final else ():  # the final replay's findings are in self.final
            key = (v.clause, v.code)
            self._seen[key] += 1
            if self._seen[key] <= MAX_EVIDENCE:  # Hypothesis repeats failures while shrinking
                if self.keep_evidence is not None:
                    self.keep_evidence(v)
                self.violations.append(v)
        return found

    def judge(self, clauses: tuple[str, ...] | list[str], *groups: list[Violation]) -> list[Violation]:
        """Soft checks: record the violations of checks that judged ``clauses`` on one answer (as :meth:`hold`:
        the test fails at the next :meth:`check`), and mark each of ``clauses`` none of them broke as kept."""
        found = self.hold(*groups)
        broken = {v.clause for v in found}
        for clause in clauses:
            if clause not in broken:
                self.kept(clause)
        return found

    def block(self, clause: str, by: str, reason: str) -> None:
        """``clause`` could not be judged on this answer because ``by`` failed on it (the reason says how)."""
        blocked = Blocked(clause, by, reason)
        self.blocked.setdefault(clause, blocked)
        self._held_blocked.append(blocked)

    def _note_failure(self, found: list[Violation]) -> bool:
        """Remember the first failing input; in Hypothesis's final replay keep ``found`` as the smallest
        failing input's findings (and say so: True)."""
        described = self.describe_input() if self.describe_input is not None else ""
        if self.first_failing_input is None:
            self.first_failing_input = described
        if not in_hypothesis_example()[1]:
            return False
        # The evidence Hypothesis repeats while shrinking is of larger inputs; the final replay's comes first.
        for v in found:
            if any((f.clause, f.code) == (v.clause, v.code) for f in self.final):
                continue
            final = replace(v, evidence={**v.evidence, "smallest_input": described})
            if self.keep_evidence is not None:
                self.keep_evidence(final)
            self.final.append(final)
        return True

    def sent(self, elapsed: float = 0.0) -> None:
        """One more request went out for this test; ``elapsed`` is the time spent waiting on the target
        (the rest of the test's time is the suite's own overhead)."""
        self.cases += 1
        self.target_seconds += elapsed

    def kept(self, clause: str) -> None:
        """``clause`` was judged and kept: its PASS stands even if the test then fails on another clause."""
        self.judged.add(clause)

    def observe(self, clause: str, summary: str, **evidence: Any) -> None:
        """Record what the target did where the contract is silent: the clause is judged (OBSERVED), even if
        the test then fails on another."""
        self.judged.add(clause)
        if len(self.observations) < 20:
            self.observations.append({"clause": clause, "summary": summary, "evidence": evidence})

    def payload(self) -> dict[str, Any]:
        return {
            "violations": [v.as_dict() for v in self.final + self.violations],
            "observations": self.observations,
            "cases": self.cases,
            "target_seconds": self.target_seconds,
            "judged": sorted(self.judged),
            "blocked": [b.as_dict() for b in self.blocked.values()],
        }


@dataclass
class Outcome:
    """One test's contribution, rebuilt from its report."""

    clauses: tuple[str, ...]
    passed: bool = False
    failed: bool = False
    inconclusive: str = ""
    skipped: str = ""
    violations: list[dict[str, Any]] = field(default_factory=list)
    observations: list[dict[str, Any]] = field(default_factory=list)
    cases: int = 0
    calls: int = 0
    billable: int = 0  # calls answered 200: what the vendor charges for
    nodeid: str = ""
    error: str = ""
    seconds: float = 0.0
    target_seconds: float = 0.0
    subtest: bool = False  # a subtest's outcome counts; its test is counted once, by its parent
    judged: tuple[str, ...] = ()  # clauses the test found kept before it failed on another
    blocked: tuple[dict[str, str], ...] = ()  # Blocked.as_dict(): clauses another clause's failure left unjudged


@dataclass
class ClauseVerdict:
    clause: str
    level: str
    verdict: str = NOT_RUN
    tests: int = 0
    cases: int = 0
    calls: int = 0
    evidence: list[dict[str, Any]] = field(default_factory=list)
    observations: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""  # NOT RUN, BLOCKED, INCONCLUSIVE: why the clause was not judged


class Tally:
    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []
        self.outages: list[dict[str, Any]] = []  # the target's outages (client.health), as the run saw them
        self.drops: list[dict[str, Any]] = []  # connections dropped before any answer, answered when asked again
        self.model_versions: set[str] = set()  # the model-version header values the run sent
        self.started = datetime.now(UTC).isoformat(timespec="seconds")

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)

    def verdicts(self, levels: dict[str, str]) -> dict[str, ClauseVerdict]:
        """One verdict per clause: FAIL beats BLOCKED beats INCONCLUSIVE beats OBSERVED beats PASS."""
        out = {cid: ClauseVerdict(cid, level) for cid, level in levels.items()}
        why_not_run: dict[str, str] = {}
        for o in self.outcomes:
            if o.skipped:
                for cid in o.clauses:
                    why_not_run.setdefault(cid, o.skipped)
            # A test fails the clauses its violations name; an unexpected error fails all its clauses.
            broken = {v["clause"] for v in o.violations}
            # Blocked by a must clause's failure only: a refusal the contract allows (a should clause, such as an
            # input format it does not promise) owes no upscale, so nothing on that answer was left unjudged.
            blocked = {b["clause"]: b for b in o.blocked if out.get(b["by"], ClauseVerdict(b["by"], "must")).level
                       == "must"}
            for cid in o.clauses:
                cv = out.setdefault(cid, ClauseVerdict(cid, "must"))
                cv.tests += 0 if o.subtest else 1
                cv.cases += o.cases
                cv.calls += o.calls
                if o.failed and (cid in broken or not broken):
                    if cv.verdict == BLOCKED:  # what blocked it elsewhere says less than the failure
                        cv.evidence = []
                    cv.verdict = FAIL
                    found = [v for v in o.violations if v["clause"] == cid] or [
                        {"code": NO_FINDING, "clause": cid, "message": o.error[:500], "evidence": {}}]
                    cv.evidence.extend(found[: MAX_EVIDENCE - len(cv.evidence)])
                elif o.failed and cid in blocked and cv.verdict != FAIL:
                    if cv.verdict != BLOCKED:
                        cv.evidence = []  # a PASS or an inconclusive elsewhere says less than what blocked it
                    cv.verdict = BLOCKED
                    if len(cv.evidence) < MAX_EVIDENCE:
                        b = blocked[cid]
                        cv.evidence.append({"code": "blocked", "clause": cid, "blocked_by": b["by"],
                                            "message": f"blocked by {b['by']}: {b['reason']}"})
                elif o.inconclusive and cv.verdict not in (FAIL, BLOCKED):
                    cv.verdict = INCONCLUSIVE
                    if not cv.evidence:
                        cv.evidence.append({"code": "inconclusive", "message": o.inconclusive})
                elif (o.passed or (o.failed and cid in o.judged)) and cv.verdict in (NOT_RUN, PASS, OBSERVED):
                    mine = [ob for ob in o.observations if ob["clause"] == cid]
                    cv.observations.extend(mine[: 10 - len(cv.observations)])
                    observed = cv.level == "observe" and (mine or cv.verdict == OBSERVED)
                    cv.verdict = OBSERVED if observed else (cv.verdict if cv.verdict == OBSERVED else PASS)
            for v in o.violations:  # a violation of a clause the test did not name still counts
                if v["clause"] not in o.clauses and v["clause"] in out:
                    if out[v["clause"]].verdict == BLOCKED:
                        out[v["clause"]].evidence = []
                    out[v["clause"]].verdict = FAIL
                    out[v["clause"]].evidence.append(v)
        for cid, cv in out.items():  # a clause no test reached says why, if a skipped test told
            if cv.verdict == NOT_RUN and not cv.evidence and cid in why_not_run:
                cv.evidence.append({"code": "not_run", "message": why_not_run[cid].removeprefix("Skipped: ")})
            cv.reason = _why_unjudged(cv)
        return out

    def failures(self) -> dict[str, list[dict[str, Any]]]:
        """Every finding that failed each clause, as :meth:`verdicts` decides it, not only the first few it
        keeps as evidence: what a known-failures file is matched against. A test that failed with no
        violation fails its clauses with a ``test_error`` entry (an exception: never known)."""
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for o in self.outcomes:
            broken = {v["clause"] for v in o.violations}
            if o.failed:
                for cid in o.clauses:
                    out[cid] += [v for v in o.violations if v["clause"] == cid] if broken else [
                        {"code": NO_FINDING, "clause": cid, "message": o.error[:500], "evidence": {}}]
            for v in o.violations:
                if v["clause"] not in o.clauses:
                    out[v["clause"]].append(v)
        return dict(out)


def _why_unjudged(cv: ClauseVerdict) -> str:
    """Why a NOT RUN, BLOCKED or INCONCLUSIVE clause was not judged, in one line (empty for a judged one)."""
    if cv.verdict not in (NOT_RUN, BLOCKED, INCONCLUSIVE):
        return ""
    if cv.evidence and cv.evidence[0].get("message"):
        return str(cv.evidence[0]["message"])
    if cv.verdict != NOT_RUN:
        return "no reason was given"
    if cv.tests:
        return f"{cv.tests} test(s) of it ran but none judged it"
    return "no test of this run's selection judges it (-k, --quick, or tests the profile leaves out)"


def exit_code(verdicts: dict[str, ClauseVerdict]) -> int:
    """0 conformant, 1 a must clause failed, 3 inconclusive (a must clause could not be judged, or was
    BLOCKED by another's failure). KNOWN is no failure: the gate passes a run whose every failure is known
    and unexpired, but not one whose must clause a known failure BLOCKED."""
    if any(v.verdict == FAIL and v.level == "must" for v in verdicts.values()):
        return 1
    if any(v.verdict == INCONCLUSIVE for v in verdicts.values()):
        return 3
    if any(v.verdict == BLOCKED and v.level == "must" for v in verdicts.values()):
        return 3  # a must clause left unjudged: no conformant run, though nothing it judged failed
    return 0
