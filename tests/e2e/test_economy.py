"""Paid targets: a full verdict within a sandbox key's daily quota, planned before it is spent.

Economy is what any host but loopback gets; ``--economy`` forces it on a loopback server, so these
tests measure it against the reference server's own request log (``/health``).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support import cli
from tests.support.cli import failed
from tests.support.faults import PLANTED
from upscale_conformance.contract import load_clauses
from upscale_conformance.server import serve_in_thread
from upscale_conformance.server.faults import Faults

PROD, SANDBOX = "sk_live_economy_0123", "sandbox_economy_0123"
MAX_BILLABLE, MAX_CALLS = 40, 60


def run(tmp_path: Path, url: str, key: str, *args: str) -> tuple[int, dict, str]:
    ran = cli.run(tmp_path, "--target", url, *args, key=key)
    return ran.code, ran.summary, ran.output


def log(url: str) -> dict:
    return httpx.get(f"{url}/health").json()


@pytest.mark.slow
def test_a_full_verdict_within_the_quota_as_planned_and_what_a_small_budget_leaves(tmp_path):
    key = PROD
    with serve_in_thread(profile="pixel-budget-2026", api_key=key) as url:
        # One plan serves two checks: its totals against what the run spends, and what a small budget leaves.
        code, _, plan_out = run(tmp_path / "plan", url, key, "--economy", "--plan", "--budget", "10")
        assert code == 0 and log(url)["received"] == 0, plan_out  # the plan sends nothing
        assert "a budget of 10 leaves" in plan_out and "reaches them all" in plan_out and "MODEL-SWITCH" in plan_out
        code, summary, output = run(tmp_path / "run", url, key, "--economy")
        seen = log(url)
    assert code == 0, output[-4000:]
    assert seen["received"] <= MAX_CALLS and seen["billable"] <= MAX_BILLABLE, seen
    levels = {cid: c.level for cid, c in load_clauses().items()}
    unreached = {cid for cid, c in summary["clauses"].items()
                 if levels[cid] in ("must", "observe") and c["verdict"] in ("NOT RUN", "INCONCLUSIVE")}
    hostile = {cid for cid, c in load_clauses().items() if c.group == "robustness"}
    # No goldens for this target: nothing spent on them; the hostile-input group is off without --allow-negative.
    assert unreached == {"PERCEPTUAL-REGRESSION"} | hostile, unreached
    assert all("--allow-negative" in summary["clauses"][cid]["evidence"][0]["message"] for cid in hostile)
    assert "goldens record" in summary["clauses"]["PERCEPTUAL-REGRESSION"]["evidence"][0]["message"]
    assert summary["clauses"]["PERCEPTUAL-PORTABLE"]["verdict"] == "PASS"  # the golden-free verdict still came
    planned = summary["planned"]["billable"]
    assert abs(planned - seen["billable"]) <= 0.1 * seen["billable"], (planned, seen)
    assert f"planned: {summary['planned']['calls']} calls, {planned} billable" in plan_out


# The planted faults of tests/e2e/test_run.py (and a channel swap), in economy and with a sandbox key, so
# the answers carry a watermark. Faults that break different clauses share a server to keep this short;
# economy is forced through the plugin's flag, which skips the plan (tested above).
FAULTS = [*PLANTED, (Faults(channel_swap=True), "faithful", {"FIDELITY-COLOUR"})]


@pytest.mark.parametrize(("faults", "selection", "clauses"), FAULTS,
                         ids=lambda f: repr(f) if isinstance(f, Faults) else None)
def test_planted_faults_are_caught_in_economy_under_a_sandbox_key(tmp_path, faults, selection, clauses):
    with serve_in_thread(profile="pixel-budget-2026", api_key=SANDBOX, faults=faults) as url:
        code, summary, output = run(tmp_path, url, SANDBOX, "--", "-k", selection, "--upscale-economy", "1")
    assert code == 1, output[-3000:]
    assert "sandbox key" in output
    assert clauses <= failed(summary), (failed(summary), output[-3000:])

