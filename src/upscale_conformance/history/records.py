"""What the results store keeps of a run, read from what the run wrote (``summary.json``,
``record.json``, ``load.json``, ``selfcheck.json``): plain dataclasses, no pixel data, no key.

A finding's **fingerprint** is stable across runs: the clause, the violation's code and what was
asked (mode, model version, export format, input kind), never the message or the measured number,
so "the same failure again" is the same fingerprint.

>>> fingerprint("DIM-4X", "size_not_4x", "ai.fast", "", "png", "PNG")
'DIM-4X/size_not_4x/ai.fast/-/png/PNG'
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COMMANDS = ("run", "monitor", "load", "selfcheck")


def fingerprint(clause: str, code: str, mode: str = "", model_version: str = "", export_format: str = "",
                input_kind: str = "") -> str:
    """One finding's stable identity (readable, so a known-failures file can name it by hand)."""
    return "/".join(part or "-" for part in (clause, code, mode, model_version, export_format, input_kind))


@dataclass(frozen=True)
class Run:
    id: str
    command: str  # one of COMMANDS
    started: str  # ISO 8601, UTC
    finished: str
    target: str
    golden_target: str = ""
    profile: str = ""
    tool: str = ""
    model_versions: tuple[str, ...] = ()
    commit: str = ""
    branch: str = ""
    job_url: str = ""
    calls: int = 0
    billable: int = 0
    exit_code: int = 0
    verdict: str = ""
    report: str = ""  # the report folder, when at hand (a link from the history page)


@dataclass(frozen=True)
class ClauseResult:
    clause: str
    level: str
    verdict: str  # PASS FAIL KNOWN OBSERVED INCONCLUSIVE NOT RUN
    tests: int = 0
    cases: int = 0
    calls: int = 0


@dataclass(frozen=True)
class Finding:
    clause: str
    code: str
    mode: str = ""
    model_version: str = ""
    export_format: str = ""
    input_kind: str = ""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.clause, self.code, self.mode, self.model_version, self.export_format,
                           self.input_kind)


@dataclass(frozen=True)
class LimitSeen:
    """A limit a monitor run found for one mode (its finding as JSON text) and how it drifted."""

    mode: str
    finding: str
    drift: str = ""  # breaking | notable | "" (no baseline, or unchanged)


@dataclass
class Recorded:
    """Everything the store keeps of one run."""

    run: Run
    clauses: list[ClauseResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    limits: list[LimitSeen] = field(default_factory=list)


def run_id(command: str, data: Mapping[str, Any]) -> str:
    """The run's id: the one it wrote, else a digest of what it wrote (so an import twice is one run)."""
    if data.get("run_id"):
        return str(data["run_id"])
    text = json.dumps(data, sort_keys=True, default=str)
    return f"{command}-" + hashlib.sha256(text.encode()).hexdigest()[:16]


_FIELD = re.compile(r"([\w.\-]+)[=:] ?([^,;)]+)")


def finding_from(entry: Mapping[str, Any]) -> Finding:
    """A violation of ``summary.json`` as a finding: what was asked comes from the evidence's ``asked``
    fields when the run wrote them, else from the request line (``upscale.mode=ai.fast, ...``)."""
    evidence = entry.get("evidence") or {}
    asked = evidence.get("asked") or {}
    if not asked and isinstance(evidence.get("request"), str):
        fields = dict(_FIELD.findall(evidence["request"]))
        asked = {"mode": fields.get("upscale.mode", ""), "model_version": fields.get("pr-ai-upscale-model-version", ""),
                 "export_format": fields.get("export.format", "")}
    return Finding(str(entry.get("clause", "")), str(entry.get("code", "")), str(asked.get("mode", "") or ""),
                   str(asked.get("model_version", "") or ""), str(asked.get("export_format", "") or ""),
                   str(asked.get("input_kind", "") or ""))


def from_summary(summary: Mapping[str, Any], folder: Path | None = None) -> Recorded:
    """A ``run`` (``summary.json``)."""
    ci = summary.get("ci") or {}
    run = Run(
        id=run_id("run", summary), command="run", started=str(summary.get("started", summary.get("finished", ""))),
        finished=str(summary.get("finished", "")), target=str(summary.get("target", "")),
        golden_target=str(summary.get("golden_target", "")), profile=str(summary.get("profile", "")),
        tool=str(summary.get("tool", "")), model_versions=tuple(summary.get("model_versions", ())),
        commit=str(ci.get("commit", "")), branch=str(ci.get("branch", "")), job_url=str(ci.get("job_url", "")),
        calls=int(summary.get("calls_spent", 0)), billable=int(summary.get("calls_billable", 0)),
        exit_code=int(summary.get("exit_code", 0)), verdict=str(summary.get("verdict", "")),
        report=str(folder) if folder else "")
    clauses, findings = [], []
    for cid, c in (summary.get("clauses") or {}).items():
        clauses.append(ClauseResult(cid, str(c.get("level", "")), str(c.get("verdict", "")), int(c.get("tests", 0)),
                                    int(c.get("cases", 0)), int(c.get("calls", 0))))
        if c.get("verdict") in ("FAIL", "KNOWN"):
            # `findings` (fingerprints) holds every failing finding where the evidence keeps the first few.
            findings += ([Finding(*[("" if p == "-" else p) for p in fp.split("/", 5)]) for fp in c["findings"]]
                         if c.get("findings") else [finding_from(e) for e in c.get("evidence", ())])
    return Recorded(run, clauses, sorted(set(findings), key=lambda f: f.fingerprint))


MONITOR_VERDICTS = {0: "no breaking drift", 1: "breaking drift", 3: "inconclusive"}


def _monitor_target(shown: str) -> str:
    """monitor writes ``local (reference server, profile X)`` for the reference server: `local`, as elsewhere."""
    return "local" if shown.startswith("local ") else shown


def from_monitor(record: Mapping[str, Any], folder: Path | None = None) -> Recorded:
    """A ``monitor`` run (``record.json``, and ``drift`` when it compared with a baseline)."""
    cost = record.get("cost") or {}
    ci = record.get("ci") or {}
    inconclusive = bool(record.get("inconclusive"))
    run = Run(id=run_id("monitor", record), command="monitor", started=str(record.get("started_at", "")),
              finished=str(record.get("finished_at") or ""), target=_monitor_target(str(record.get("target", ""))),
              tool=str(record.get("tool", "")), commit=str(ci.get("commit", "")), branch=str(ci.get("branch", "")),
              job_url=str(ci.get("job_url", "")), calls=int(cost.get("spent", 0)),
              billable=int(cost.get("billable", 0)), exit_code=int(record.get("exit_code", 3 if inconclusive else 0)),
              verdict=MONITOR_VERDICTS.get(int(record.get("exit_code", 3 if inconclusive else 0)), ""),
              report=str(folder) if folder else "")
    # A comparison with a baseline writes {"items": [{severity, area, subject, message}]}; a limit's subject is
    # its mode, and its class the severity (breaking | notable). A mode without an item did not drift.
    items = (record.get("drift") or {}).get("items", ()) if isinstance(record.get("drift"), dict) else ()
    drift = {d.get("subject", ""): d.get("severity", "") for d in items
             if isinstance(d, dict) and d.get("area") == "limit"}
    limits = [LimitSeen(mode, json.dumps(entry.get("finding", {}), sort_keys=True), drift.get(mode, ""))
              for mode, entry in (record.get("limits") or {}).items()]
    return Recorded(run, limits=limits)


def from_load(report: Mapping[str, Any], folder: Path | None = None) -> Recorded:
    """A ``load`` run (``load.json``)."""
    ci = report.get("ci") or {}
    settings = report.get("settings") or {}
    run = Run(id=run_id("load", report), command="load", started=str(report.get("started", "")),
              finished=str(report.get("finished", report.get("date", ""))),
              target=str(report.get("target") or settings.get("target", "")),
              profile=str(settings.get("profile", "")), tool=str(report.get("tool", "")),
              commit=str(ci.get("commit", "")), branch=str(ci.get("branch", "")), job_url=str(ci.get("job_url", "")),
              calls=int(report.get("requests", 0)),
              billable=int((report.get("answers_by_status") or {}).get("200", 0)),  # only a 200 is billed
              exit_code=int(report.get("exit_code", 0)), verdict=str(report.get("verdict", "")),
              report=str(folder) if folder else "")
    findings = [Finding(str(v.get("clause", "")), str(v.get("code", ""))) for v in report.get("violations", ())
                if isinstance(v, dict)]
    return Recorded(run, findings=sorted(set(findings), key=lambda f: f.fingerprint))


def from_selfcheck(report: Mapping[str, Any], folder: Path | None = None) -> Recorded:
    """A ``selfcheck`` run (``selfcheck.json``): each catalog entry as a clause-like row."""
    ci = report.get("ci") or {}
    run = Run(id=run_id("selfcheck", report), command="selfcheck", started=str(report.get("started", "")),
              finished=str(report.get("finished", "")), target="selfcheck", tool=str(report.get("tool", "")),
              commit=str(ci.get("commit", "")), branch=str(ci.get("branch", "")), job_url=str(ci.get("job_url", "")),
              exit_code=int(report.get("exit", 0)), verdict="ok" if report.get("exit") == 0 else "not ok",
              report=str(folder) if folder else "")
    clauses = [ClauseResult(f"selfcheck:{e.get('entry', '')}", str(e.get("kind", "")),
                            "PASS" if e.get("ok") else "FAIL") for e in report.get("entries", ())]
    return Recorded(run, clauses)


READERS = {"summary.json": from_summary, "record.json": from_monitor, "load.json": from_load,
           "selfcheck.json": from_selfcheck}


def read_folder(folder: Path) -> list[Recorded]:
    """Every run recorded under ``folder`` (a report folder, or a tree of them such as CI artifacts).

    Each file is read once however it is reached: ``latest`` and other links to a folder already read are
    followed (``reports/latest`` alone imports the newest run) but a file is counted by its real path. The
    runs a selfcheck made of faulted servers (``summary.json`` below a ``selfcheck.json``) are parts of that
    selfcheck, not runs of a target, and are left out."""
    found, seen = [], set()
    root = Path(folder)
    paths = sorted(p for name in READERS for p in _walk(root, name))
    selfchecks = {p.resolve().parent for p in paths if p.name == "selfcheck.json"}
    for path in paths:
        real = path.resolve()
        if real in seen or (path.name != "selfcheck.json" and any(s in real.parents for s in selfchecks)):
            continue
        seen.add(real)
        found.append(READERS[path.name](json.loads(path.read_text(encoding="utf-8")), path.parent))
    return found


def _walk(root: Path, name: str):
    """``name`` anywhere below ``root``, through links to folders too, each real folder once (no link loop)."""
    visited = set()
    for here, dirs, files in os.walk(root, followlinks=True):
        real = os.path.realpath(here)
        if real in visited:
            dirs[:] = []
            continue
        visited.add(real)
        if name in files:
            yield Path(here) / name
