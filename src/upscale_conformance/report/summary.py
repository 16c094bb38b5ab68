"""What a run leaves behind: ``summary.json`` (per clause: verdict, cases, calls, evidence) and the
verdict table printed at the end. JUnit XML and Allure results come from pytest itself
(``--junitxml``, ``--alluredir``), with the clause IDs as test markers/labels."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .. import __version__
from ..contract import Profile, load_clauses
from ..verdicts import FAIL, INCONCLUSIVE, KNOWN, MAX_BUNDLES_PER_CLAUSE, NOT_RUN, OBSERVED, PASS, Tally, exit_code

_STYLE = {PASS: "green", FAIL: "red", KNOWN: "magenta", OBSERVED: "cyan", INCONCLUSIVE: "yellow", NOT_RUN: "dim"}
SUMMARY_SCHEMA_VERSION = 1
EXIT_MEANING = {0: "conformant", 1: "a must clause failed", 2: "usage error", 3: "inconclusive"}


def stamped_folder(root: Path, prefix: str = "") -> Path:
    """A new folder ``root/<prefix><timestamp>``; two in one second keep both (``-1``, ``-2``, ...)."""
    stamp = prefix + datetime.now().strftime("%Y%m%d-%H%M%S")
    folder, n = root / stamp, 1
    while folder.exists():
        folder, n = root / f"{stamp}-{n}", n + 1
    folder.mkdir(parents=True)
    return folder


def ci_context(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Commit, branch and job URL from the usual CI variables (GitHub Actions, GitLab, generic)."""
    env = os.environ if environ is None else environ
    github_job = ""
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        github_job = (f"{env.get('GITHUB_SERVER_URL', 'https://github.com')}/{env['GITHUB_REPOSITORY']}"
                      f"/actions/runs/{env['GITHUB_RUN_ID']}")
    return {
        "commit": env.get("GITHUB_SHA") or env.get("CI_COMMIT_SHA") or env.get("GIT_COMMIT") or "",
        "branch": env.get("GITHUB_HEAD_REF") or env.get("GITHUB_REF_NAME") or env.get("CI_COMMIT_REF_NAME")
        or env.get("GIT_BRANCH") or "",
        "job_url": github_job or env.get("CI_JOB_URL") or env.get("BUILD_URL") or "",
    }


def outage_line(outage: Mapping[str, Any]) -> str:
    """One outage of ``summary.json`` as a person reads it, in the verdict table and on ``index.html``."""
    state = "back" if outage["recovered"] else "not back"
    return (f"from {outage['began']}: the request got {outage['answered'][:300]!r}, a known-good request right "
            f"after it {outage['known_good'][:300]!r}; {outage['answered_before']} request(s) answered before it, "
            f"{outage['probes']} probe(s) after it; {state} after {outage['seconds']:g} s")


def write_summary(path: str | os.PathLike, tally: Tally, profile: Profile, target: str, pytest_exit: int,
                  golden_target: str = "", known: list | None = None, known_file: str = "") -> dict:
    """Write and return ``summary.json``; ``known`` (history.known entries, read from ``known_file``) turns
    the FAIL clauses whose every finding they accept into KNOWN."""
    from ..history.known import apply
    from ..history.records import finding_from

    clauses = load_clauses()
    levels = {cid: profile.level_of(c) for cid, c in clauses.items()}
    verdicts = tally.verdicts(levels)
    failures = tally.failures()
    known_section = (apply(verdicts, failures, known, datetime.now(UTC).date(), known_file)
                     if known is not None else None)
    code = exit_code(verdicts)
    if code == 0 and pytest_exit not in (0, 5) and not any(v.verdict in (FAIL, KNOWN) for v in verdicts.values()):
        code = 3  # pytest failed outside any clause (collection, internal error): no verdict was reached
    summary = {
        "schema_version": SUMMARY_SCHEMA_VERSION,  # report/summary.schema.json, docs/report-format.md
        "tool": f"upscale-conformance {__version__}",
        "run_id": uuid.uuid4().hex,  # the results store keeps a run once, however often it is imported
        "started": tally.started,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "target": target,
        "profile": profile.id,
        "golden_target": golden_target,
        "model_versions": sorted(tally.model_versions),
        "ci": ci_context(),
        "exit_code": code,
        "verdict": EXIT_MEANING[code],
        "calls_spent": sum(o.calls for o in tally.outcomes),
        # Against the paid API this is the bill: only successful calls cost a credit.
        "calls_billable": sum(o.billable for o in tally.outcomes),
        "tests": len(tally.outcomes),
        # Test time and the part of it spent waiting on the target: the rest is the suite's overhead.
        "test_seconds": round(sum(o.seconds for o in tally.outcomes), 2),
        "target_seconds": round(sum(o.target_seconds for o in tally.outcomes), 2),
        "tests_detail": [{"nodeid": o.nodeid, "outcome": "failed" if o.failed else "inconclusive" if o.inconclusive
                          else "skipped" if o.skipped else "passed", "seconds": round(o.seconds, 3),
                          "target_seconds": round(o.target_seconds, 3), "calls": o.calls, "billable": o.billable,
                          "clauses": list(o.clauses)}
                         for o in tally.outcomes if not o.subtest],
        # When the target was down (client.health): when it began, what was answered, the requests answered
        # before it and the probes after it. An outage is never a failure: the clauses it hid are INCONCLUSIVE.
        "outages": tally.outages,
        # Where failing checks left their replay bundles (docs/replay.md), and how many per clause at most.
        "bundles": {"folder": "bundles", "per_clause": MAX_BUNDLES_PER_CLAUSE},
        "clauses": {cid: {**asdict(v), "promise": clauses[cid].promise if cid in clauses else ""}
                    for cid, v in verdicts.items()},
    }
    for cid, entry in summary["clauses"].items():
        if entry["verdict"] in (FAIL, KNOWN) and failures.get(cid):
            # Every failing finding, where evidence keeps the first few: what triage and the store read.
            entry["findings"] = sorted({finding_from(f).fingerprint for f in failures[cid]})
    if known_section is not None:
        for cid, lines in known_section.pop("clauses").items():
            summary["clauses"][cid]["known"] = lines
        summary["known_failures"] = known_section
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(summary, indent=2, default=str))
    return summary


def smallest_input_line(evidence: dict[str, Any]) -> str:
    """``smallest failing input: ...`` for a finding of Hypothesis's final replay, with why shrinking stopped
    early if it did ("" for any other finding)."""
    if not evidence.get("smallest_input"):
        return ""
    stopped = (evidence.get("hypothesis") or {}).get("stopped_early", "")
    return f"smallest failing input: {evidence['smallest_input']}" + (f" ({stopped})" if stopped else "")


def _first_evidence(entry: dict[str, Any], width: int = 160) -> str:
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
    for cid, e in summary["clauses"].items():
        v = e["verdict"]
        table.add_row(cid, e["level"], f"[{_STYLE[v]}]{v}[/]", str(e["tests"]), str(e["cases"]), str(e["calls"]),
                      _first_evidence(e))
    console.print(table)
    for outage in summary.get("outages", []):
        console.print(f"[yellow]outage[/] {escape(outage_line(outage))}", highlight=False)
    _print_known(summary.get("known_failures"), console)
    style = "green" if summary["exit_code"] == 0 else ("red" if summary["exit_code"] == 1 else "yellow")
    console.print(f"[{style}]verdict: {summary['verdict']}[/] (exit {summary['exit_code']}); "
                  f"{summary['calls_spent']} calls, {summary.get('calls_billable', 0)} billable")


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
