"""``summary.json``: what ``run`` decided, per clause (schema: ``summary.schema.json``, docs/report-format.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .header import Header

FILE = "summary.json"
SCHEMA_VERSION = 1
EXIT_MEANING = {0: "conformant", 1: "a must clause failed", 2: "usage error", 3: "inconclusive"}


@dataclass
class ClauseEntry:
    """One clause's verdict as the summary keeps it."""

    clause: str
    level: str
    verdict: str
    tests: int = 0
    cases: int = 0
    calls: int = 0
    evidence: list[dict[str, Any]] = field(default_factory=list)
    observations: list[dict[str, Any]] = field(default_factory=list)
    promise: str = ""
    findings: list[str] | None = None  # FAIL or KNOWN: the fingerprints of every failing finding
    known: list[int] | None = None  # the lines of the known-failures entries that matched
    reason: str = ""  # NOT RUN, BLOCKED, INCONCLUSIVE: why the clause was not judged

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in ("clause", "level", "verdict", "tests", "cases", "calls", "evidence",
                                             "observations", "promise")}
        for optional in ("findings", "known"):
            if getattr(self, optional) is not None:
                out[optional] = getattr(self, optional)
        if self.reason:
            out["reason"] = self.reason
        return out

    @classmethod
    def from_dict(cls, cid: str, data: Mapping[str, Any]) -> ClauseEntry:
        return cls(str(data.get("clause") or cid), str(data.get("level") or ""), str(data.get("verdict") or ""),
                   int(data.get("tests") or 0), int(data.get("cases") or 0), int(data.get("calls") or 0),
                   list(data.get("evidence") or ()), list(data.get("observations") or ()),
                   str(data.get("promise") or ""),
                   list(data["findings"]) if data.get("findings") is not None else None,
                   list(data["known"]) if data.get("known") is not None else None, str(data.get("reason") or ""))


@dataclass
class RunSummary:
    header: Header  # its verdict: the exit code's meaning (EXIT_MEANING), then what a person needs to read it
    golden_target: str = ""
    model_versions: list[str] = field(default_factory=list)  # the model-version header values the run sent
    calls_spent: int = 0
    calls_billable: int = 0  # against the paid API this is the bill: only answers 200 cost a credit
    tests: int = 0
    test_seconds: float = 0.0
    target_seconds: float = 0.0  # the part of test_seconds spent waiting on the target
    tests_detail: list[dict[str, Any]] = field(default_factory=list)
    outages: list[dict[str, Any]] = field(default_factory=list)
    drops: list[dict[str, Any]] = field(default_factory=list)  # connections dropped before any answer, then answered
    bundles: dict[str, Any] = field(default_factory=dict)
    clauses: dict[str, ClauseEntry] = field(default_factory=dict)
    known_failures: dict[str, Any] | None = None  # with run --known-failures: what each entry did
    planned: dict[str, int] | None = None  # on a paid target: the calls the plan expected
    coverage: dict[str, Any] | None = None  # judged N of M clauses, how the run was narrowed (report.deciding)
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"schema_version": self.schema_version, **self.header.to_dict()}
        out.update(golden_target=self.golden_target, model_versions=self.model_versions,
                   calls_spent=self.calls_spent, calls_billable=self.calls_billable, tests=self.tests,
                   test_seconds=self.test_seconds, target_seconds=self.target_seconds,
                   tests_detail=self.tests_detail, outages=self.outages, drops=self.drops, bundles=self.bundles,
                   clauses={cid: c.to_dict() for cid, c in self.clauses.items()})
        if self.known_failures is not None:
            out["known_failures"] = self.known_failures
        if self.planned is not None:
            out["planned"] = self.planned
        if self.coverage is not None:
            out["coverage"] = self.coverage
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSummary:
        return cls(
            header=Header.from_dict(data, "run"),
            golden_target=str(data.get("golden_target") or ""),
            model_versions=[str(m) for m in data.get("model_versions") or ()],
            calls_spent=int(data.get("calls_spent") or 0), calls_billable=int(data.get("calls_billable") or 0),
            tests=int(data.get("tests") or 0), test_seconds=float(data.get("test_seconds") or 0.0),
            target_seconds=float(data.get("target_seconds") or 0.0),
            tests_detail=list(data.get("tests_detail") or ()), outages=list(data.get("outages") or ()),
            drops=list(data.get("drops") or ()),
            bundles=dict(data.get("bundles") or {}),
            clauses={cid: ClauseEntry.from_dict(cid, c) for cid, c in (data.get("clauses") or {}).items()},
            known_failures=data.get("known_failures"), planned=data.get("planned"), coverage=data.get("coverage"),
            schema_version=int(data.get("schema_version") or SCHEMA_VERSION))

