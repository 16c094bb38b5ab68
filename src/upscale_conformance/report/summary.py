"""What a run leaves behind: ``summary.json`` (per clause: verdict, cases, calls, evidence; typed as
``records.run``, built from what ``report.deciding`` decided) and the verdict table printed at the end.
JUnit XML and Allure results come from pytest itself (``--junitxml``, ``--alluredir``), with the clause IDs
as test markers/labels."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..records import files
from ..records.header import new_header
from ..records.run import EXIT_MEANING, ClauseEntry, RunSummary
from ..verdicts import BLOCKED, FAIL, INCONCLUSIVE, KNOWN, MAX_BUNDLES_PER_CLAUSE, NOT_RUN, OBSERVED, PASS, Tally
from .deciding import Decision

_STYLE = {PASS: "green", FAIL: "red", KNOWN: "magenta", OBSERVED: "cyan", INCONCLUSIVE: "yellow", BLOCKED: "yellow",
          NOT_RUN: "dim"}


def stamped_folder(root: Path, prefix: str = "") -> Path:
    """A new folder ``root/<prefix><timestamp>``; two in one second keep both (``-1``, ``-2``, ...)."""
    stamp = prefix + datetime.now().strftime("%Y%m%d-%H%M%S")
    folder, n = root / stamp, 1
    while folder.exists():
        folder, n = root / f"{stamp}-{n}", n + 1
    folder.mkdir(parents=True)
    return folder


def outage_line(outage: Mapping[str, Any]) -> str:
    """One outage of ``summary.json`` as a person reads it, in the verdict table and on ``index.html``."""
    if outage.get("why"):  # degraded, or the run's deadline: not down
        return f"from {outage['began']}: {outage['why'][:600]}"
    state = "back" if outage["recovered"] else "not back"
    return (f"from {outage['began']}: the request got {outage['answered'][:300]!r}, a known-good request right "
            f"after it {outage['known_good'][:300]!r}; {outage['answered_before']} request(s) answered before it, "
            f"{outage['probes']} probe(s) after it; {state} after {outage['seconds']:g} s")


def summary_record(tally: Tally, decision: Decision, promises: Mapping[str, str], *, target: str, profile: str,
                   golden_target: str = "") -> RunSummary:
    """``summary.json`` of a run that ends now: the header, what ``decision`` decided (``report.deciding``)
    and the tally's figures. It decides nothing."""
    code = decision.exit_code
    header = new_header("run", target, profile, started=tally.started, exit_code=code,
                        verdict=decision.verdict or EXIT_MEANING[code])
    return RunSummary(
        header=header, golden_target=golden_target, model_versions=sorted(tally.model_versions),
        calls_spent=sum(o.calls for o in tally.outcomes),
        # Against the paid API this is the bill: only successful calls cost a credit.
        calls_billable=sum(o.billable for o in tally.outcomes),
        tests=len(tally.outcomes),
        # Test time and the part of it spent waiting on the target: the rest is the suite's overhead.
        test_seconds=round(sum(o.seconds for o in tally.outcomes), 2),
        target_seconds=round(sum(o.target_seconds for o in tally.outcomes), 2),
        tests_detail=[{"nodeid": o.nodeid, "outcome": "failed" if o.failed else "inconclusive" if o.inconclusive
                       else "skipped" if o.skipped else "passed", "seconds": round(o.seconds, 3),
                       "target_seconds": round(o.target_seconds, 3), "calls": o.calls, "billable": o.billable,
                       "clauses": list(o.clauses)}
                      for o in tally.outcomes if not o.subtest],
        # When the target was down (client.health): when it began, what was answered, the requests answered
        # before it and the probes after it. An outage is never a failure: the clauses it hid are INCONCLUSIVE.
        outages=tally.outages,
        # Requests whose connection broke off before any answer and were answered when asked again: an
        # observation of the target (its network, its balancer), never a failure.
        drops=tally.drops,
        # Where failing checks left their replay bundles (docs/replay.md), and how many per clause at most.
        bundles={"folder": "bundles", "per_clause": MAX_BUNDLES_PER_CLAUSE},
        clauses={cid: ClauseEntry(**asdict(v), promise=promises.get(cid, ""), findings=decision.findings.get(cid),
                                  known=decision.known_lines.get(cid))
                 for cid, v in decision.verdicts.items()},
        known_failures=decision.known, coverage=decision.coverage.to_dict() if decision.coverage else None)


def write_summary(record: RunSummary, path: str | os.PathLike) -> Path:
    """Write ``summary.json`` at ``path`` (its folder exists): only what ``record`` says."""
    return files.write(record, path)


def smallest_input_line(evidence: dict[str, Any]) -> str:
    """``smallest failing input: ...`` for a finding of Hypothesis's final replay, with why shrinking stopped
    early if it did ("" for any other finding)."""
    if not evidence.get("smallest_input"):
        return ""
    stopped = (evidence.get("hypothesis") or {}).get("stopped_early", "")
    return f"smallest failing input: {evidence['smallest_input']}" + (f" ({stopped})" if stopped else "")


def first_evidence(entry: dict[str, Any], width: int = 160) -> str:
    """A clause's first finding on one line, cut to ``width`` characters (400 where it names the smallest failing
    input), as the verdict table shows it."""
    if entry["verdict"] == KNOWN:
        text = f"known (line {', '.join(map(str, entry.get('known', [])))}): " + (
            f"{entry['evidence'][0].get('code', '')}: {entry['evidence'][0].get('message', '')}"
            if entry["evidence"] else "")
    elif entry["evidence"]:
        e = entry["evidence"][0]
        text = f"{e.get('code', '')}: {e.get('message', '')}"
        smallest = smallest_input_line(e.get("evidence") or {})
        if smallest:  # the input a developer reproduces first: given room enough to be read whole
            text, width = f"{text}; {smallest}", max(width, 400)
    elif entry.get("reason"):  # NOT RUN with no test to tell why: the run's own reason
        text = entry["reason"]
    else:
        text = "; ".join(sorted({o["summary"] for o in entry["observations"]}))
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def print_table(summary: dict, console: Console | None = None) -> None:
    console = console or Console()
    if not console.is_terminal:  # piped to a file or CI log: do not squeeze the evidence into 80 columns
        console.width = max(console.width, 180)
    table = Table(title=f"{summary['target']} - profile {summary['profile']}")
    table.add_column("clause", no_wrap=True)
    for col in ("level", "verdict", "tests", "cases", "calls"):
        table.add_column(col, no_wrap=True)
    table.add_column("first evidence", overflow="fold")
    for cid, e in summary["clauses"].items() if summary.get("tests") else ():  # none ran: every row NOT RUN
        v = e["verdict"]
        table.add_row(cid, e["level"], f"[{_STYLE[v]}]{v}[/]", str(e["tests"]), str(e["cases"]), str(e["calls"]),
                      first_evidence(e))
    if summary.get("tests"):
        console.print(table)
    for outage in summary.get("outages", []):
        console.print(f"[yellow]outage[/] {escape(outage_line(outage))}", highlight=False)
    _print_known(summary.get("known_failures"), console)
    coverage = coverage_line(summary)
    console.print(f"[{verdict_style(summary)}]verdict: {escape(summary['verdict'])}[/] (exit {summary['exit_code']}); "
                  + (f"{escape(coverage)}; " if coverage else "")
                  + f"{summary['calls_spent']} calls, {summary.get('calls_billable', 0)} billable", highlight=False)


def verdict_style(summary: dict) -> str:
    """The verdict's colour: clean green only for a run with no known failure (KNOWN is magenta, as in the table)."""
    code = summary["exit_code"]
    if code == 0:
        return _STYLE[KNOWN] if any(c["verdict"] == KNOWN for c in summary["clauses"].values()) else "green"
    return "red" if code == 1 else "yellow"


def coverage_line(summary: dict) -> str:
    """``judged N of M clauses (narrowed: ...)`` and the selected must clauses left unjudged, or "" for a whole
    run that judged every clause (and for a summary written before the coverage was kept)."""
    c = summary.get("coverage")
    if not c:
        return ""
    parts = []
    if c["selection"] or c["judged"] != c["clauses"]:
        parts.append(f"judged {c['judged']} of {c['clauses']} clauses"
                     + (f" (narrowed: {c['selection']})" if c["selection"] else ""))
    if c["not_judged"]:
        parts.append(f"not judged although selected: {', '.join(c['not_judged'])}")
    return "; ".join(parts)


def _print_known(section: dict[str, Any] | None, console: Console) -> None:
    """What each known-failures entry did: accepted a failure, expired (its failures count again), or
    matched nothing in clauses that passed (remove it)."""
    if not section:
        return
    name = section.get("file") or "the known-failures file"
    for e in section["entries"]:
        where = f"{name}:{e['line']} ({e['match']})"
        if e["state"] == "known":
            console.print(f"[magenta]known[/] {where}: {e['reason']} (until {e['expires']}; "
                          f"{len(e['findings'])} finding(s))", highlight=False)
        elif e["state"] == "expired":
            console.print(f"[red]expired on {e['expires']}[/] {where}: its failures count again "
                          f"({len(e['findings'])} finding(s))", highlight=False)
        elif e["state"] == "passing":
            console.print(f"[green]passes now[/] {where}: matched nothing and its clauses passed; remove it",
                          highlight=False)
        else:
            console.print(f"[dim]not seen[/] {where}: matched nothing, but its clauses were not all judged",
                          highlight=False)
    for fingerprint in section.get("unmatched", ()):
        console.print(f"[red]not known[/] {escape(fingerprint)}: no entry of {name} matches this failing finding",
                      highlight=False)
