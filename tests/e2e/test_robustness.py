"""The hostile-input group (ROB-*) against servers: the reference server passes the whole battery and
answers a normal request after each entry; planted 500s on a bomb, on two file parts and on a body
without boundary each fail it, by name, in economy with --allow-negative. Runs that exist anyway carry
the rest: the second implementation passes the whole battery in tests/e2e/test_alt_run.py's default
run; economy without the flag leaves it NOT RUN (tests/e2e/test_economy.py).

The suite module runs alone, as the planner runs the suites: pytest on that one file (collecting
every suite would import Schemathesis for nothing).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from upscale_conformance.contract import suites_dir
from upscale_conformance.report import summary_problems
from upscale_conformance.robustness import BATTERY, BY_NAME
from upscale_conformance.server import Faults

KEY = "sk_test_robustness_0123456789"
ROB = ("ROB-NO-5XX", "ROB-REFUSED", "ROB-ANSWERED", "ROB-ALIVE", "ROB-VALID-AFTER-ALL")


def suite(tmp_path: Path, target: str, *args: str) -> tuple[dict, str]:
    summary_file = tmp_path / "summary.json"
    cmd = [sys.executable, "-m", "pytest", str(suites_dir() / "test_robustness.py"), "-q", "-p", "no:cacheprovider",
           "--upscale-target", target, "--upscale-summary", str(summary_file), *args]
    out = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, PHOTOROOM_API_KEY=KEY),
                         timeout=300)
    output = out.stdout + out.stderr
    assert summary_file.is_file(), output[-3000:]
    summary = json.loads(summary_file.read_text())
    assert summary_problems(summary) == []
    return summary, output


def outcomes(summary: dict) -> dict[str, str]:
    """Battery entry -> test outcome."""
    return {t["nodeid"].split("[", 1)[1].rstrip("]"): t["outcome"] for t in summary["tests_detail"]
            if "test_robustness.py" in t["nodeid"]}


def assert_passed_whole(summary: dict) -> None:
    """The whole battery passed, with the normal request after each entry answered 200 and 4x."""
    verdicts = {cid: summary["clauses"][cid]["verdict"] for cid in ROB}
    assert verdicts == {"ROB-NO-5XX": "PASS", "ROB-REFUSED": "PASS", "ROB-ANSWERED": "PASS", "ROB-ALIVE": "PASS",
                        "ROB-VALID-AFTER-ALL": "OBSERVED"}, verdicts
    assert outcomes(summary) == {name: "passed" for name in BY_NAME}
    # Two calls per entry: the hostile request, then the normal one; and the normal one before the battery.
    assert summary["clauses"]["ROB-ALIVE"]["calls"] == 2 * len(BATTERY) + 1
    observed = " ".join(o["summary"] for o in summary["clauses"]["ROB-VALID-AFTER-ALL"]["observations"])
    assert "jpeg-cmyk: 200 160x120" in observed, observed


# The server runs in this process: Pillow warns when it reads the exif-corrupt entry (expected there).
@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")
def test_the_reference_server_passes_the_whole_battery_alive_after_each_entry(tmp_path, local_server):
    summary, output = suite(tmp_path, local_server(api_key=KEY))
    assert summary["exit_code"] == 0, output[-3000:]
    assert_passed_whole(summary)


def test_planted_500s_on_a_bomb_two_file_parts_and_no_boundary_fail_the_group_by_name(tmp_path, local_server):
    url = local_server(faults=Faults(bomb_status=500, two_files_status=500, no_boundary_status=500))
    # As on a paid target: economy, where only --allow-negative sends the group (with free probes after).
    summary, output = suite(tmp_path, url, "--upscale-quick", "1", "--upscale-economy", "1",
                            "--upscale-allow-negative", "1")
    assert summary["exit_code"] == 1, output[-3000:]
    assert summary["clauses"]["ROB-NO-5XX"]["verdict"] == "FAIL"
    assert {e["code"] for e in summary["clauses"]["ROB-NO-5XX"]["evidence"]} == {"server_error_for_hostile_input"}
    failed = {name for name, outcome in outcomes(summary).items() if outcome == "failed"}
    # Each fault is met by its own requests of the quick battery, and nothing else fails.
    assert failed == {"bomb-png-100000x100000", "bomb-png-60000x60000", "two-imageFile-parts",
                      "multipart-no-boundary"}, failed
    assert summary["calls_billable"] <= 3  # economy: the probes after each request were free refusals


def test_a_fault_every_request_shows_is_not_blamed_on_a_hostile_input(tmp_path, local_server):
    # One pixel too many on every answer: the normal request after each entry is as wrong as it was before
    # the battery, so ROB-ALIVE blames no hostile input (DIM-4X is where that fault fails).
    summary, output = suite(tmp_path, local_server(faults=Faults(size_offset=1)), "--upscale-quick", "1")
    assert summary["clauses"]["ROB-ALIVE"]["verdict"] == "PASS", output[-3000:]
    assert "target_broken_after" not in output
