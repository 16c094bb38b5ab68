"""What a run will spend, known before a single call reaches the target.

The plan is measured, not estimated: the suites run once against the reference server (which keeps
the contract) with the same profile, depth, economy and golden store as the real run, and every
call is counted. A conformant target gets the same requests, so the plan is what it will cost;
a target that accepts what it should refuse costs more (each wrong 200 is billed), retries too.

Per clause the plan gives the calls of the tests that judge it (a call serves several clauses, so
these overlap; the totals do not) and the budget that reaches its verdict: the run's calls up to
the end of the last test that carries it, in the order the run sends them.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..contract import Profile, load_clauses, suites_dir
from ..verdicts import NOT_RUN


@dataclass
class ClausePlan:
    tests: int = 0
    calls: int = 0
    billable: int = 0
    reach: int = 0  # the budget that lets every test of this clause finish

    @property
    def free(self) -> int:
        return self.calls - self.billable


@dataclass
class Plan:
    calls: int
    billable: int
    clauses: dict[str, ClausePlan] = field(default_factory=dict)
    off: dict[str, str] = field(default_factory=dict)  # clauses the run will not reach, and why (a skip's reason)

    @property
    def free(self) -> int:
        return self.calls - self.billable

    @classmethod
    def from_summary(cls, summary: dict) -> Plan:
        """The plan a dry run's ``summary.json`` shows (its ``tests_detail`` is in the order sent)."""
        clauses: dict[str, ClausePlan] = {}
        spent = 0
        for test in summary["tests_detail"]:
            spent += test["calls"]
            for cid in test.get("clauses", []):
                entry = clauses.setdefault(cid, ClausePlan())
                entry.tests += 1
                entry.calls += test["calls"]
                entry.billable += test.get("billable", 0)
                entry.reach = spent
        off = {cid: c["evidence"][0]["message"] for cid, c in summary.get("clauses", {}).items()
               if c.get("verdict") == NOT_RUN and c.get("evidence") and c["evidence"][0].get("code") == "not_run"}
        return cls(summary["calls_spent"], summary.get("calls_billable", 0), clauses, off)

    def unreached(self, budget: int | None) -> dict[str, int]:
        """Clauses whose verdict ``budget`` would not reach, with the budget that would."""
        if budget is None:
            return {}
        return {cid: c.reach for cid, c in self.clauses.items() if c.reach > budget and cid not in self.off}


def dry_run(pytest_args: list[str], profile: Profile, sandbox: bool, timeout: float = 900) -> Plan:
    """Run the suites with ``pytest_args`` against a reference server of ``profile`` and count.

    ``pytest_args`` are the real run's, without target and report options; with a ``sandbox`` key
    the reference server watermarks its answers, as the vendor does, so the plan sees what the run will.
    """
    from ..server import serve_in_subprocess

    key = ("sandbox_plan_" if sandbox else "plan-") + secrets.token_hex(8)
    with tempfile.TemporaryDirectory(prefix="upscale-plan-") as tmp, \
            serve_in_subprocess(profile=profile.path, api_key=key) as url:
        summary_path = Path(tmp) / "summary.json"
        cmd = [sys.executable, "-m", "pytest", str(suites_dir()), "-q", "-p", "no:cacheprovider", "--assert=plain",
               "-W", "ignore::DeprecationWarning", "--upscale-target", url, "--upscale-profile", profile.path,
               "--upscale-summary", str(summary_path), *pytest_args]
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"} | {"PHOTOROOM_API_KEY": key}
        subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, check=False)
        if not summary_path.is_file():
            raise RuntimeError("the planning run wrote no summary")
        return Plan.from_summary(json.loads(summary_path.read_text()))


def print_plan(plan: Plan, budget: int | None, console: Console) -> None:
    levels = {cid: c.level for cid, c in load_clauses().items()}
    table = Table(title="Plan: calls for a conformant target (nothing sent to it)")
    for col in ("clause", "level", "tests", "free", "billable", "budget to reach"):
        table.add_column(col, no_wrap=True)
    for cid, c in plan.clauses.items():
        if cid in plan.off:  # skipped by choice (economy, quick): say so instead of a budget
            table.add_row(cid, levels.get(cid, ""), str(c.tests), "-", "-", f"off: {plan.off[cid][:80]}")
            continue
        style = "yellow" if budget is not None and c.reach > budget else ""
        table.add_row(cid, levels.get(cid, ""), str(c.tests), str(c.free), str(c.billable),
                      f"[{style}]{c.reach}[/]" if style else str(c.reach))
    console.print(table)
    console.print(f"planned: {plan.calls} calls, {plan.billable} billable, {plan.free} free "
                  "(errors cost nothing on the vendor)", highlight=False)
    missing = plan.unreached(budget)
    if missing:
        names = ", ".join(f"{cid} ({need})" for cid, need in sorted(missing.items(), key=lambda kv: kv[1]))
        console.print(f"[yellow]a budget of {budget} leaves {len(missing)} clause(s) unreached: {names}; "
                      f"--budget {plan.calls} reaches them all[/]", highlight=False)
