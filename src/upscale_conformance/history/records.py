"""What the results store keeps of a run, read from the typed record the run wrote (``records``:
``summary.json``, ``record.json``, ``load.json``, ``selfcheck.json``, older files through ``records.legacy``):
plain dataclasses, no pixel data, no key.

A finding's **fingerprint** is stable across runs: the clause, the violation's code and what was
asked (mode, model version, export format, input kind), never the message or the measured number,
so "the same failure again" is the same fingerprint.

>>> fingerprint("DIM-4X", "size_not_4x", "ai.fast", "", "png", "PNG")
'DIM-4X/size_not_4x/ai.fast/-/png/PNG'
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..findings import Asked, Violation, parse_fingerprint
from ..findings import fingerprint as typed_fingerprint
from ..records import files as record_files
from ..records.files import Record
from ..records.load import LoadReport
from ..records.monitor import MonitorRecord
from ..records.run import RunSummary
from ..records.selfcheck import SelfcheckReport
from ..verdicts import FAIL, KNOWN, PASS


def fingerprint(clause: str, code: str, mode: str = "", model_version: str = "", export_format: str = "",
                input_kind: str = "") -> str:
    """One finding's stable identity (readable, so a known-failures file can name it by hand): built in
    one place, findings.fingerprint."""
    return typed_fingerprint(clause, code, Asked(mode, model_version, export_format, input_kind))


@dataclass(frozen=True)
class Run:
    id: str
    command: str  # one of records.header.COMMANDS
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

    @classmethod
    def of(cls, clause: str, code: str, asked: Asked) -> Finding:
        return cls(clause, code, asked.mode, asked.model_version, asked.export_format, asked.input_kind)


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




def finding_from(entry: Mapping[str, Any]) -> Finding:
    """A violation of ``summary.json`` as a finding, read through the one reader of violations
    (findings.Violation.from_dict): what was asked comes from the evidence's ``asked`` fields when the run
    wrote them, else from the request line of older runs (``upscale.mode=ai.fast, ...``)."""
    v = Violation.from_dict(entry)
    return Finding.of(v.clause, v.code, v.asked)


def finding_of(fp: str) -> Finding:
    """A fingerprint back as a finding (``-`` is an empty field; a legacy fingerprint's quotes dropped);
    ValueError if it is not one."""
    return Finding.of(*parse_fingerprint(fp))


def recorded(record: Record, folder: Path | None = None) -> Recorded:
    """What the store keeps of any run's record: the header, read the same way for every command, and what
    the command's body adds (a run's clauses and findings, a monitor's limits, a load's findings, a
    selfcheck's entries as clause-like rows)."""
    h = record.header
    run = Run(id=h.run_id, command=h.command, started=h.started or h.finished, finished=h.finished, target=h.target,
              profile=h.profile, tool=h.tool, commit=h.ci.commit, branch=h.ci.branch, job_url=h.ci.job_url,
              exit_code=h.exit_code, verdict=h.verdict, report=str(folder) if folder else "")
    match record:
        case RunSummary():
            return _from_run(record, run)
        case MonitorRecord():
            cost = record.cost or {}
            run = replace(run, calls=int(cost.get("spent", 0)), billable=int(cost.get("billable", 0)))
            # A comparison with a baseline writes {"items": [{severity, area, subject, message}]}; a limit's
            # subject is its mode, its class the severity (breaking | notable). A mode without an item did not drift.
            items = (record.drift or {}).get("items", ()) if isinstance(record.drift, dict) else ()
            drift = {d.get("subject", ""): d.get("severity", "") for d in items
                     if isinstance(d, dict) and d.get("area") == "limit"}
            limits = [LimitSeen(mode, json.dumps(entry.get("finding", {}), sort_keys=True), drift.get(mode, ""))
                      for mode, entry in (record.limits or {}).items()]
            return Recorded(run, limits=limits)
        case LoadReport():
            run = replace(run, calls=int(record.requests),
                          billable=int((record.answers_by_status or {}).get("200", 0)))  # only a 200 is billed
            findings = {Finding(str(v.get("clause", "")), str(v.get("code", ""))) for v in record.violations
                        if isinstance(v, dict)}
            return Recorded(run, findings=sorted(findings, key=lambda f: f.fingerprint))
        case SelfcheckReport():
            return Recorded(run, [ClauseResult(f"selfcheck:{e.get('entry', '')}", str(e.get("kind", "")),
                                               PASS if e.get("ok") else FAIL) for e in record.entries])
    raise TypeError(f"not a run record: {type(record).__name__}")


def _from_run(summary: RunSummary, run: Run) -> Recorded:
    run = replace(run, golden_target=summary.golden_target, model_versions=tuple(summary.model_versions),
                  calls=summary.calls_spent, billable=summary.calls_billable)
    clauses, findings = [], []
    for cid, c in summary.clauses.items():
        clauses.append(ClauseResult(cid, c.level, c.verdict, c.tests, c.cases, c.calls))
        if c.verdict in (FAIL, KNOWN):
            # `findings` (fingerprints) holds every failing finding where the evidence keeps the first few.
            findings += ([finding_of(fp) for fp in c.findings]
                         if c.findings else [finding_from(e) for e in c.evidence])
    return Recorded(run, clauses, sorted(set(findings), key=lambda f: f.fingerprint))


def from_file(name: str, data: Mapping[str, Any], folder: Path | None = None) -> Recorded:
    """A run from the JSON of its record file ``name`` (``summary.json``, ...), written by this version or an
    earlier one (``records.legacy``)."""
    return recorded(record_files.parse(name, data), folder)


def from_path(path: Path) -> Recorded:
    return from_file(path.name, json.loads(Path(path).read_text(encoding="utf-8")), Path(path).parent)


def read_folder(folder: Path) -> list[Recorded]:
    """Every run recorded under ``folder`` (a report folder, or a tree of them such as CI artifacts).

    Each file is read once however it is reached: ``latest`` and other links to a folder already read are
    followed (``reports/latest`` alone imports the newest run) but a file is counted by its real path. The
    runs a selfcheck made of faulted servers (``summary.json`` below a ``selfcheck.json``) are parts of that
    selfcheck, not runs of a target, and are left out."""
    found, seen = [], set()
    root = Path(folder)
    paths = sorted(p for name in record_files.TYPES for p in _walk(root, name))
    selfchecks = {p.resolve().parent for p in paths if p.name == "selfcheck.json"}
    for path in paths:
        real = path.resolve()
        if real in seen or (path.name != "selfcheck.json" and any(s in real.parents for s in selfchecks)):
            continue
        seen.add(real)
        found.append(from_path(path))
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
