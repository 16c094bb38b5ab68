"""Read-only views of the results store: the matrix, the verdict changes, flaky clauses, limits over
time, calls per day and the diff of two runs. Plain data in, plain data out; the page is drawn by
:mod:`upscale_conformance.report.history_page`, the CLI prints the rest.

>>> parse_since("2026-11-01", now=datetime(2026, 12, 2, tzinfo=UTC))
'2026-11-01T00:00:00+00:00'
>>> parse_since("12h", now=datetime(2026, 12, 2, tzinfo=UTC))
'2026-12-01T12:00:00+00:00'
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..verdicts import FAIL, NOT_RUN, OBSERVED, PASS
from .records import ClauseResult, Finding, Run
from .store import HistoryError, Store

FLAKY_WINDOW = 10  # the last N runs of one target, tool version and profile
FLAKY_FLIPS = 2  # flips within the window that make a clause flaky
FAILING = (FAIL,)  # KNOWN is a failure someone accepted: not "new", not "still failing"
# "Fixed" needs a verdict that says so: NOT RUN (a run that stopped early or did not select the clause)
# and INCONCLUSIVE say nothing, and KNOWN is still a failure.
FIXED = (PASS, OBSERVED)
UNDECIDED = NOT_RUN  # a clause the run did not select: no verdict, so no change either
_SPAN = re.compile(r"^(\d+)([dh])$")


def parse_since(text: str, now: datetime | None = None) -> str:
    """``30d``, ``12h`` or an ISO date/time -> the ISO time (UTC) the store compares with; ValueError."""
    now = now or datetime.now(UTC)
    span = _SPAN.match(text.strip())
    if span:
        n, unit = int(span[1]), span[2]
        when = now - (timedelta(days=n) if unit == "d" else timedelta(hours=n))
    else:
        try:
            when = datetime.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(f"--since: expected 30d, 12h or an ISO date such as 2026-11-01, got {text!r}") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    # The store keeps times as isoformat(timespec="seconds") in UTC, so string order is time order.
    return when.astimezone(UTC).isoformat(timespec="seconds")


def column_of(run: Run) -> str:
    """The matrix column of a run: its target (a sandbox key's runs apart from the production key's: the
    same URL, another golden target), and the model versions it sent (the default when none)."""
    sandbox = " (sandbox)" if run.golden_target.endswith("-sandbox") else ""
    return f"{run.target}{sandbox} [{', '.join(run.model_versions) or 'default model'}]"


@dataclass(frozen=True)
class Change:
    """A clause's verdict in ``run``, where it differs from the one before (``before`` "" at its first run)."""

    clause: str
    column: str
    run: Run
    before: str
    after: str


@dataclass
class History:
    """The ``run`` runs in view (oldest first) and their clause verdicts."""

    runs: list[Run]
    verdicts: dict[str, dict[str, str]]  # run id -> clause -> verdict
    levels: dict[str, str] = field(default_factory=dict)  # clause -> must/should/observe

    @property
    def clauses(self) -> list[str]:
        return sorted({c for v in self.verdicts.values() for c in v})

    @property
    def columns(self) -> list[str]:
        return list(dict.fromkeys(column_of(r) for r in self.runs))


def load(store: Store, since: str | None = None, target: str | None = None) -> History:
    runs = store.runs(since=since, target=target, command="run")
    results = store.clause_results(r.id for r in runs)
    levels = {c.clause: c.level for rows in results.values() for c in rows}
    return History(runs, {rid: {c.clause: c.verdict for c in rows} for rid, rows in results.items()}, levels)


def matrix(history: History) -> dict[str, dict[str, tuple[str, Run]]]:
    """clause -> column -> (the latest verdict, the run that gave it); NOT RUN never hides an older verdict."""
    out: dict[str, dict[str, tuple[str, Run]]] = defaultdict(dict)
    for run in history.runs:
        for clause, verdict in history.verdicts.get(run.id, {}).items():
            if verdict != UNDECIDED or column_of(run) not in out[clause]:
                out[clause][column_of(run)] = (verdict, run)
    return dict(out)


def changes(history: History) -> list[Change]:
    """Per column and clause, the first verdict and every change after it, oldest first."""
    last: dict[tuple[str, str], str] = {}
    out = []
    for run in history.runs:
        col = column_of(run)
        for clause, verdict in sorted(history.verdicts.get(run.id, {}).items()):
            if verdict == UNDECIDED:
                continue
            before = last.get((col, clause), "")
            if verdict != before:
                out.append(Change(clause, col, run, before, verdict))
                last[(col, clause)] = verdict
    return out


@dataclass(frozen=True)
class Flaky:
    clause: str
    target: str
    tool: str
    profile: str
    flips: int
    runs: int
    sequence: tuple[str, ...]  # the verdicts in the window, oldest first


def flaky(history: History, window: int = FLAKY_WINDOW, threshold: int = FLAKY_FLIPS) -> list[Flaky]:
    """Clauses whose verdict flipped ``threshold`` times or more in the last ``window`` runs of one
    target (and model versions sent) with the same tool version and profile: a new tool, profile or
    model changing a verdict is a change, not flakiness."""
    groups: dict[tuple[str, str, str, str], list[Run]] = defaultdict(list)
    for run in history.runs:
        groups[(column_of(run), run.target, run.tool, run.profile)].append(run)
    out = []
    for (_, target, tool, profile), runs in groups.items():
        recent = runs[-window:]
        for clause in sorted({c for r in recent for c in history.verdicts.get(r.id, {})}):
            seq = [v for r in recent if (v := history.verdicts.get(r.id, {}).get(clause, UNDECIDED)) != UNDECIDED]
            flips = sum(a != b for a, b in zip(seq, seq[1:], strict=False))
            if flips >= threshold:
                out.append(Flaky(clause, target, tool, profile, flips, len(recent), tuple(seq)))
    return out


@dataclass(frozen=True)
class LimitPoint:
    when: str
    target: str
    numbers: dict[str, int]  # max_pixels, or max_width and max_height
    kind: str
    drift: str


def limits_over_time(store: Store, since: str | None = None, target: str | None = None) -> dict[str, list[LimitPoint]]:
    """mode -> the limit each monitor run found, oldest first (only the numbers the finding's kind has)."""
    runs = store.runs(since=since, target=target, command="monitor")
    seen = store.limits(r.id for r in runs)
    out: dict[str, list[LimitPoint]] = defaultdict(list)
    for run in runs:
        for lim in seen.get(run.id, ()):
            try:
                finding = json.loads(lim.finding)
            except ValueError:
                continue
            keys = {"pixels": ("max_pixels",), "per_axis": ("max_width", "max_height")}.get(
                finding.get("kind"), ("largest_square",))  # an irregular limit: its largest square is still a number
            numbers = {k: int(finding[k]) for k in keys if finding.get(k)}
            if numbers:
                out[lim.mode].append(LimitPoint(run.finished or run.started, run.target, numbers,
                                                str(finding.get("kind", "")), lim.drift))
    return dict(sorted(out.items()))


def calls_per_day(store: Store, since: str | None = None, target: str | None = None) -> dict[str, tuple[int, int]]:
    """day (YYYY-MM-DD, UTC) -> (calls, billable calls), over every command."""
    days: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for run in store.runs(since=since, target=target):
        day = (run.started or run.finished)[:10]
        days[day][0] += run.calls
        days[day][1] += run.billable
    return {d: (c, b) for d, (c, b) in sorted(days.items())}


# --- the diff of two runs -------------------------------------------------------------------------


@dataclass
class Diff:
    a: Run
    b: Run
    new_failures: list[str]
    fixed: list[str]
    still_failing: list[str]
    changed: list[tuple[str, str, str]]  # clause, verdict in A, verdict in B (every change, failures included)
    new_findings: list[str]  # fingerprints
    gone_findings: list[str]


_BACK = re.compile(r"^(latest(?:@.+)?)~(\d*)$")


def resolve(store: Store, ref: str) -> Run:
    """A run id, ``latest``, ``latest@TARGET``, or either of the latter two with ``~N`` (N runs before it,
    ``~`` alone one: the run a CI job compares its own with); HistoryError when there is none."""
    back = _BACK.match(ref)
    if not back:
        return store.resolve(ref)
    newest = store.resolve(back[1])  # the store's own message when there is no run at all
    target = back[1].partition("@")[2] or None
    runs = store.runs(target=target, command="run")
    steps = int(back[2] or 1)
    if steps >= len(runs):
        raise HistoryError(f"{ref}: only {len(runs)} run(s){' of ' + target if target else ''} in the store")
    return runs[runs.index(newest) - steps]


def diff(store: Store, ref_a: str, ref_b: str) -> Diff:
    """What changed from run A to run B (refs: see :func:`resolve`); HistoryError."""
    a, b = resolve(store, ref_a), resolve(store, ref_b)
    results = store.clause_results([a.id, b.id])
    found = store.findings([a.id, b.id])
    return compare(a, b, results.get(a.id, []), results.get(b.id, []), found.get(a.id, []), found.get(b.id, []))


def compare(a: Run, b: Run, results_a: list[ClauseResult], results_b: list[ClauseResult],
            findings_a: list[Finding], findings_b: list[Finding]) -> Diff:
    va = {c.clause: c.verdict for c in results_a}
    vb = {c.clause: c.verdict for c in results_b}
    clauses = sorted(set(va) | set(vb))
    fails_a = {c for c in clauses if va.get(c) in FAILING}
    fails_b = {c for c in clauses if vb.get(c) in FAILING}
    fa, fb = {f.fingerprint for f in findings_a}, {f.fingerprint for f in findings_b}
    fixed = {c for c in fails_a if vb.get(c) in FIXED}
    return Diff(a, b, sorted(fails_b - fails_a), sorted(fixed), sorted(fails_a & fails_b),
                [(c, va.get(c, "-"), vb.get(c, "-")) for c in clauses if va.get(c, "-") != vb.get(c, "-")],
                sorted(fb - fa), sorted(fa - fb))


def _described(run: Run) -> str:
    return f"{run.id} ({run.target}, {run.profile or 'default profile'}, {run.finished}, {run.verdict or '-'})"


def diff_text(d: Diff) -> str:
    lines = [f"A: {_described(d.a)}", f"B: {_described(d.b)}"]
    for title, items in (("new failures", d.new_failures), ("fixed", d.fixed), ("still failing", d.still_failing)):
        lines.append(f"{title} ({len(items)}): {', '.join(items) or '-'}")
    lines.append(f"verdict changes ({len(d.changed)}):")
    lines += [f"  {c}: {x} -> {y}" for c, x, y in d.changed] or ["  -"]
    lines.append(f"new findings ({len(d.new_findings)}):")
    lines += [f"  + {f}" for f in d.new_findings]
    lines.append(f"gone findings ({len(d.gone_findings)}):")
    lines += [f"  - {f}" for f in d.gone_findings]
    return "\n".join(lines)


def diff_markdown(d: Diff) -> str:
    """The body of a pull-request comment (GitHub-flavoured Markdown)."""
    news = f"{len(d.new_failures)} new failure(s)"
    head = (f"**{news}**" if d.new_failures else news) + \
        f" · {len(d.fixed)} fixed · {len(d.still_failing)} still failing"
    lines = ["### upscale-conformance: what changed", "",
             f"`{d.a.id}` ({d.a.target}, {d.a.verdict or '-'}) → `{d.b.id}` ({d.b.target}, {d.b.verdict or '-'})",
             "", head, ""]
    for title, items in (("New failures", d.new_failures), ("Fixed", d.fixed), ("Still failing", d.still_failing)):
        if items:
            lines.append(f"- **{title}:** " + ", ".join(f"`{c}`" for c in items))  # a list: one line each
    if d.changed:
        lines += ["", "| clause | before | after |", "|---|---|---|"]
        lines += [f"| `{c}` | {x} | {y} |" for c, x, y in d.changed]
    if d.new_findings or d.gone_findings:
        lines += ["", "<details><summary>findings: "
                  f"{len(d.new_findings)} new, {len(d.gone_findings)} gone</summary>", ""]
        lines += [f"- new `{f}`" for f in d.new_findings] + [f"- gone `{f}`" for f in d.gone_findings]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"
