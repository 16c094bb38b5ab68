"""`upscale-conformance run` end to end: a correct server passes, each planted fault is caught by
the clause it breaks, and the budget caps what arrives (a dying target: tests/e2e/test_outage.py)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support import cli
from tests.support.cli import failed
from tests.support.faults import PLANTED
from upscale_conformance.server import serve_in_thread
from upscale_conformance.server.faults import Faults

KEY, SANDBOX = "sk_test_run_0123456789", "sandbox_run_0123456789"


def run(tmp_path: Path, *args: str, key: str | None = KEY) -> tuple[int, dict, str]:
    ran = cli.run(tmp_path, *args, key=key)
    return ran.code, ran.summary, ran.output


# The default profile's run uses a sandbox key, so every clause is also judged on watermarked answers (no
# goldens are recorded for a sandbox target: its regression clause is left out); the other profile's run
# judges clean answers, the regression clause included.
@pytest.mark.slow
@pytest.mark.parametrize(("profile", "key"), [("pixel-budget-2026", SANDBOX), ("per-axis-2025", KEY)])
def test_quick_run_against_the_reference_server_is_conformant(tmp_path, profile, key):
    code, summary, output = run(tmp_path, "--target", "local", "--profile", profile, "--quick", key=key)
    assert code == 0, output
    assert "planned" not in summary  # loopback: uncapped and unplanned
    if key == SANDBOX:
        assert "sandbox key" in output
        del summary["clauses"]["PERCEPTUAL-REGRESSION"]
    verdicts = {c["verdict"] for c in summary["clauses"].values()}
    assert verdicts <= {"PASS", "OBSERVED"}, output
    assert summary["clauses"]["LIMIT-FAST-EDGE"]["cases"] > 0
    assert "verdict: conformant" in output and "report:" in output
    # Against the paid API the billable count is the bill: shown at the end and kept in the summary.
    assert 0 < summary["calls_billable"] <= summary["calls_spent"]
    assert f"{summary['calls_spent']} calls, {summary['calls_billable']} billable" in output
    assert (tmp_path / "latest" / "junit.xml").is_file() and (tmp_path / "latest" / "index.html").is_file()
    assert key not in output and key not in (tmp_path / "latest" / "summary.json").read_text()


# Each fault is run against the part of the suite that should catch it (tests/support/faults.py); the
# assertion is on the clause the run names, which is what a user reads.
FAULTS = PLANTED


@pytest.mark.parametrize(("faults", "selection", "clauses"), FAULTS,
                         ids=lambda f: repr(f) if isinstance(f, Faults) else None)
def test_a_planted_fault_fails_the_run_naming_its_clause(tmp_path, faults, selection, clauses):
    with serve_in_thread(profile="pixel-budget-2026", api_key=KEY, faults=faults) as url:
        code, summary, output = run(tmp_path, "--target", url, "--quick", "--", "-k", selection)
    assert code == 1, output
    assert clauses <= failed(summary), (failed(summary), output)


def test_the_budget_caps_the_requests_that_arrive(tmp_path):
    with serve_in_thread(profile="pixel-budget-2026", api_key=KEY) as url:
        code, summary, output = run(tmp_path, "--target", url, "--quick", "--budget", "10", "--", "-k", "formats")
        arrived = httpx.get(f"{url}/health").json()["requests"]
    assert arrived <= 10 and summary["calls_spent"] <= 10
    assert code == 3, output  # the suite wanted more than 10 calls: no verdict, not a failure
    assert "at most 10 calls" in output


def test_a_run_that_selects_no_test_exits_2_naming_the_selection(tmp_path):
    code, summary, output = run(tmp_path, "--target", "local", "--", "-k", "no_such_test")
    assert code == 2, output
    assert "verdict: usage error: no test selected (exit 2)" in output and "-k 'no_such_test'" in output
    assert summary["exit_code"] == 2 and summary["tests"] == 0 and summary["calls_spent"] == 0
    assert summary["coverage"] == {"judged": 0, "clauses": len(summary["clauses"]), "selection": "-k 'no_such_test'",
                                   "not_judged": []}


def test_usage_errors_exit_2_without_a_traceback(tmp_path):
    for args in (["--target", "ftp://x"], ["--budget", "-1"], ["--profile", "no-such"]):  # in process: quick
        result = cli.invoke("run", "--report-dir", str(tmp_path), *args)  # raises anything but an exit
        assert result.code == 2, result.output
    # The installed command, as a user meets it: one line, no traceback.
    code, _, output = run(tmp_path, "--target", "https://image-api.example.invalid", key=None)
    assert code == 2 and "needs --api-key" in output


def test_a_rerun_with_the_cache_sends_nothing_for_unchanged_cases(tmp_path):
    cache = tmp_path / "cache"
    with serve_in_thread(profile="pixel-budget-2026", api_key=KEY) as url:
        first, _, output = run(tmp_path / "a", "--target", url, "--quick", "--cache", str(cache), "--", "-k", "formats")
        after_first = httpx.get(f"{url}/health").json()["requests"]
        second, summary, output = run(tmp_path / "b", "--target", url, "--quick", "--cache", str(cache),
                                      "--", "-k", "formats")
        after_second = httpx.get(f"{url}/health").json()["requests"]
    assert first == 0 and second == 0, output
    assert after_first > 0 and after_second == after_first  # every answer came from the cache
    assert summary["clauses"]["FMT-EXPORT"]["verdict"] == "PASS"
