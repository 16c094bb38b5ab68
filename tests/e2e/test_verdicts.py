"""The plugin in pytest runs of its own: xdist workers share the budget and report to one summary, and a
key quoted in a failure is scrubbed from the output and the JUnit file."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from upscale_conformance.server import serve_in_subprocess

LEVELS = {"A": "must", "B": "must", "O": "observe", "S": "should"}


def test_xdist_workers_share_the_budget_and_report_to_one_summary(tmp_path):
    summary = tmp_path / "summary.json"
    with serve_in_subprocess(profile="pixel-budget-2026", api_key="sk_xdist") as url:
        env = dict(os.environ, PHOTOROOM_API_KEY="sk_xdist")
        out = subprocess.run([sys.executable, "-m", "pytest", "suites/test_formats.py", "-q", "-n", "2",
                              "-p", "no:cacheprovider", "--upscale-target", url, "--upscale-budget", "10",
                              "--upscale-summary", str(summary)], capture_output=True, text=True, env=env)
        arrived = httpx.get(f"{url}/health").json()["requests"]
    assert arrived <= 10, out.stdout
    import json

    data = json.loads(summary.read_text())
    assert data["calls_spent"] == arrived and data["exit_code"] == 3
    assert data["clauses"]["FMT-EXPORT"]["tests"] > 0


def test_a_key_quoted_in_a_failure_is_scrubbed_from_output_and_junit(tmp_path):
    key = "sk_live_LEAKY_987654321"
    (tmp_path / "test_leak.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.clause('DIM-4X')\n"
        "def test_quotes_the_key(upscale_client):\n"
        "    print('sent', upscale_client.api_key.reveal())\n"
        "    raise AssertionError('curl -H \"x-api-key: ' + upscale_client.api_key.reveal() + '\" ...')\n")
    junit = tmp_path / "junit.xml"
    env = dict(os.environ, PHOTOROOM_API_KEY=key)
    out = subprocess.run([sys.executable, "-m", "pytest", str(tmp_path / "test_leak.py"), "-p", "no:cacheprovider",
                          "--upscale-target", "http://127.0.0.1:9", "--junitxml", str(junit), "-rA"],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 1  # the test did fail: the scrub hides the key, not the failure
    assert "x-api-key: ***" in out.stdout
    assert key not in out.stdout + out.stderr and key not in junit.read_text()
