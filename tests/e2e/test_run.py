"""`upscale-conformance run` end to end: a correct server passes, each planted fault is caught by
the clause it breaks, and the budget caps what arrives (a dying target: tests/e2e/test_outage.py)."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
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
    assert code == 2 and "a paid target needs --api-key" in output and "is not on this machine" in output


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


README = Path(__file__).resolve().parents[2] / "README.md"


def readme_sequence() -> list[list[str]]:
    """The commands of the README's block that starts the reference server by hand, as a user types them."""
    text = README.read_text(encoding="utf-8")
    block = text[text.index("The reference server can also be started by hand"):].split("```sh\n", 1)[1]
    block = block.split("```", 1)[0]
    return [shlex.split(line.split("#", 1)[0].replace("&", "")) for line in block.splitlines() if line.strip()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_readme_s_hand_started_server_and_run_are_conformant_as_written(tmp_path):
    serve, run_command = readme_sequence()
    assert serve[:3] == ["upscale-conformance", "serve", "--port"] and len(serve) == 4, serve
    assert run_command[:2] == ["upscale-conformance", "run"], run_command
    port = serve[3]
    mine = str(free_port())  # the README's port may be taken on this machine: the same command on a free one
    env = {k: v for k, v in os.environ.items() if k not in ("PHOTOROOM_API_KEY", "UPSCALE_SERVER_API_KEY")}
    server = subprocess.Popen([sys.executable, "-m", "upscale_conformance", "serve", "--port", mine], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{mine}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        args = [a.replace(port, mine) for a in run_command[2:]]
        ran = cli.run(tmp_path, *args, key=None)  # no key, as the README shows it
    finally:
        server.terminate()
        said = server.communicate(timeout=30)[0]
    assert ran.code == 0, ran.output[-3000:]
    assert ran.summary["clauses"]["AUTH-REQUIRED"]["verdict"] == "PASS"  # judged for real: other keys refused
    assert "accepting only x-api-key: local-reference-key" in said, said


def test_a_server_that_takes_any_key_fails_auth_with_the_code_that_says_so(tmp_path):
    with serve_in_thread(profile="pixel-budget-2026") as url:  # the library's server: any non-empty key
        code, summary, output = run(tmp_path, "--target", url, "--quick", "--", "-k", "missing_or_invalid_key")
    assert code == 1 and failed(summary) == {"AUTH-REQUIRED"}, output[-3000:]
    assert summary["clauses"]["AUTH-REQUIRED"]["findings"] == ["AUTH-REQUIRED/key_not_refused/ai.fast/-/-/PNG"]
