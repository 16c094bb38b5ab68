"""`upscale-conformance run` end to end: a correct server passes, each planted fault is caught by
the clause it breaks, a dying target is inconclusive, and the budget caps what arrives."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from upscale_conformance.report import summary_problems
from upscale_conformance.server import serve_in_subprocess
from upscale_conformance.server.faults import Faults

KEY = "sk_test_run_0123456789"


def run(tmp_path: Path, *args: str, key: str | None = KEY, timeout: int = 300) -> tuple[int, dict, str]:
    env = dict(os.environ, COLUMNS="200", CI="1")
    env.pop("PHOTOROOM_API_KEY", None)
    if key:
        env["PHOTOROOM_API_KEY"] = key
    out = subprocess.run([sys.executable, "-m", "upscale_conformance", "run", "--report-dir", str(tmp_path), *args],
                         capture_output=True, text=True, env=env, timeout=timeout)
    summary_file = tmp_path / "latest" / "summary.json"
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    return out.returncode, summary, out.stdout + out.stderr


def failed(summary: dict) -> set[str]:
    return {cid for cid, c in summary["clauses"].items() if c["verdict"] == "FAIL"}


@pytest.mark.parametrize("profile", ["pixel-budget-2026", "per-axis-2025"])
def test_quick_run_against_the_reference_server_is_conformant(tmp_path, profile):
    code, summary, output = run(tmp_path, "--target", "local", "--profile", profile, "--quick")
    assert code == 0, output
    verdicts = {c["verdict"] for c in summary["clauses"].values()}
    assert verdicts <= {"PASS", "OBSERVED"}, output
    assert summary["clauses"]["LIMIT-FAST-EDGE"]["cases"] > 0
    assert "verdict: conformant" in output and "report:" in output
    # Against the paid API the billable count is the bill: shown at the end and kept in the summary.
    assert 0 < summary["calls_billable"] <= summary["calls_spent"]
    assert f"{summary['calls_spent']} calls, {summary['calls_billable']} billable" in output
    assert (tmp_path / "latest" / "junit.xml").is_file() and (tmp_path / "latest" / "index.html").is_file()
    assert summary_problems(summary) == []  # summary.json keeps its documented schema
    assert KEY not in output and KEY not in (tmp_path / "latest" / "summary.json").read_text()


# Each fault is run against the part of the suite that should catch it, to keep the test short;
# the assertion is on the clause the run names, which is what a user reads.
FAULTS = [
    (Faults(scale=3), "dimensions", {"DIM-4X"}),
    (Faults(limit_offset=1), "largest_accepted", {"LIMIT-FAST-EDGE", "LIMIT-SLOW-EDGE"}),
    (Faults(over_limit_status=500), "largest_accepted", {"LIMIT-FAST-EDGE", "ERR-NO-5XX"}),
    (Faults(mirror=True), "faithful", {"FIDELITY-GEOMETRY"}),
    (Faults(ignore_model_header=True), "switches", {"MODEL-SWITCH"}),
]


@pytest.mark.parametrize(("faults", "selection", "clauses"), FAULTS,
                         ids=lambda f: repr(f) if isinstance(f, Faults) else None)
def test_a_planted_fault_fails_the_run_naming_its_clause(tmp_path, faults, selection, clauses):
    with serve_in_subprocess(profile="pixel-budget-2026", api_key=KEY, faults=faults) as url:
        code, summary, output = run(tmp_path, "--target", url, "--quick", "--", "-k", selection)
    assert code == 1, output
    assert clauses <= failed(summary), (failed(summary), output)


def test_a_target_that_dies_mid_run_is_inconclusive(tmp_path):
    with serve_in_subprocess(profile="pixel-budget-2026", api_key=KEY, faults=Faults(die_after=5)) as url:
        code, summary, output = run(tmp_path, "--target", url, "--quick", "--budget", "100", "--", "-k", "formats")
    assert code == 3, output
    assert "INCONCLUSIVE" in {c["verdict"] for c in summary["clauses"].values()}
    assert not failed(summary), output


def test_the_budget_caps_the_requests_that_arrive(tmp_path):
    with serve_in_subprocess(profile="pixel-budget-2026", api_key=KEY) as url:
        code, summary, output = run(tmp_path, "--target", url, "--quick", "--budget", "10", "--", "-k", "formats")
        arrived = httpx.get(f"{url}/health").json()["requests"]
    assert arrived <= 10 and summary["calls_spent"] <= 10
    assert code == 3, output  # the suite wanted more than 10 calls: no verdict, not a failure
    assert "at most 10 calls" in output


def test_usage_errors_exit_2_without_a_traceback(tmp_path):
    from click.testing import CliRunner

    from upscale_conformance.cli.app import cli

    for args in (["--target", "ftp://x"], ["--budget", "-1"], ["--profile", "no-such"]):  # in process: quick
        result = CliRunner().invoke(cli, ["run", "--report-dir", str(tmp_path), *args])
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    # The installed command, as a user meets it: one line, no traceback.
    code, _, output = run(tmp_path, "--target", "https://image-api.example.invalid", key=None)
    assert code == 2 and "needs --api-key" in output


def test_a_rerun_with_the_cache_sends_nothing_for_unchanged_cases(tmp_path):
    cache = tmp_path / "cache"
    with serve_in_subprocess(profile="pixel-budget-2026", api_key=KEY) as url:
        first, _, output = run(tmp_path / "a", "--target", url, "--quick", "--cache", str(cache), "--", "-k", "formats")
        after_first = httpx.get(f"{url}/health").json()["requests"]
        second, summary, output = run(tmp_path / "b", "--target", url, "--quick", "--cache", str(cache),
                                      "--", "-k", "formats")
        after_second = httpx.get(f"{url}/health").json()["requests"]
    assert first == 0 and second == 0, output
    assert after_first > 0 and after_second == after_first  # every answer came from the cache
    assert summary["clauses"]["FMT-EXPORT"]["verdict"] == "PASS"
