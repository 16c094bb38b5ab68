"""The hostile-input group (ROB-*): the battery holds what issue 14 names; planted 500s on a bomb,
on two file parts and on a body without boundary each fail it, by name, in economy with
--allow-negative; the plan marks the group off on a paid target. Runs that exist anyway carry the
rest: the second implementation passes the whole battery in tests/test_alt_run.py's default run;
economy without the flag leaves it NOT RUN (tests/test_economy.py).

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
from rich.console import Console

from upscale_conformance.client import RawBody, ResponseCache, UpscaleRequest
from upscale_conformance.client.secret import Secret
from upscale_conformance.contract import load_profile, suites_dir
from upscale_conformance.report import summary_problems
from upscale_conformance.robustness import BATTERY, BY_NAME, EITHER, QUICK, REFUSE
from upscale_conformance.running.planning import ClausePlan, Plan, print_plan
from upscale_conformance.running.runner import RunSettings
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
    # Two calls per entry: the hostile request, then the normal one.
    assert summary["clauses"]["ROB-ALIVE"]["calls"] == 2 * len(BATTERY)
    observed = " ".join(o["summary"] for o in summary["clauses"]["ROB-VALID-AFTER-ALL"]["observations"])
    assert "jpeg-cmyk: 200 160x120" in observed, observed


# The server runs in this process: Pillow warns when it reads the exif-corrupt entry (expected there).
@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")
def test_the_reference_server_passes_the_whole_battery_alive_after_each_entry(tmp_path, local_server):
    summary, output = suite(tmp_path, local_server(api_key=KEY))
    assert summary["exit_code"] == 0, output[-3000:]
    assert_passed_whole(summary)


def test_the_battery_holds_what_the_issue_names():
    names = [h.name for h in BATTERY]
    assert len(names) == len(set(names)) >= 40 and set(QUICK) <= set(names)
    assert {h.expect for h in BATTERY} == {REFUSE, EITHER} and {BY_NAME[n].expect for n in QUICK} == {REFUSE, EITHER}
    for wanted in ("empty-imageFile", "png-cut-in-half", "jpeg-no-scan", "webp-cut-in-half", "png-wrong-magic",
                   "text-named-png", "bomb-png-100000x100000", "bomb-png-60000x60000", "upload-30mb-plus-1",
                   "gif-animated", "webp-animated", "apng", "tiff-multi-page", "jpeg-cmyk", "png-16bit",
                   "exif-corrupt", "exif-orientation-0", "exif-orientation-9", "missing-imageFile",
                   "two-imageFile-parts", "removeBackground-number", "export-format-empty", "mode-unicode",
                   "mode-10000-chars", "filename-unicode", "filename-10000-chars", "multipart-no-boundary",
                   "json-body", "urlencoded-body", "query-string-only"):
        assert wanted in names, wanted
    profile = load_profile(None)
    over = BY_NAME["upload-30mb-plus-1"].request(profile)
    assert len(over.image) == profile.max_upload_bytes + 1 == 31_457_281
    assert all(h.request(profile).timeout for h in BATTERY)  # every hostile request has its bound


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


def test_the_plan_marks_the_group_off_on_a_paid_target_and_the_flag_reaches_the_suites():
    settings = RunSettings("https://image-api.example.invalid", load_profile(None), None, False, True, "x")
    assert "--upscale-allow-negative" not in settings.suite_options()
    settings.allow_negative = True
    assert settings.suite_options()[-2:] == ["--upscale-allow-negative", "1"]
    reason = "economy: off on a paid target; run --allow-negative to send it (errors are free)"
    summary = {"calls_spent": 3, "calls_billable": 1,
               "tests_detail": [{"nodeid": "a", "calls": 3, "billable": 1, "clauses": ["DIM-4X"]},
                                {"nodeid": "b", "calls": 0, "billable": 0, "clauses": ["ROB-NO-5XX"]}],
               "clauses": {"ROB-NO-5XX": {"verdict": "NOT RUN", "evidence": [{"code": "not_run", "message": reason}]},
                           "DIM-4X": {"verdict": "PASS", "evidence": []}}}
    plan = Plan.from_summary(summary)
    assert plan.off == {"ROB-NO-5XX": reason} and plan.clauses["ROB-NO-5XX"] == ClausePlan(1, 0, 0, 3)
    assert plan.unreached(1) == {"DIM-4X": 3}  # an off clause is not "unreached" by the budget
    console = Console(record=True, width=200)
    print_plan(plan, 1, console)
    assert f"off: {reason}" in console.export_text()


def test_raw_bodies_and_query_strings_get_cache_keys_of_their_own(tmp_path):
    cache, key = ResponseCache(tmp_path), Secret("k")
    requests = [UpscaleRequest(image=None, raw=RawBody(b"{}", "application/json")),
                UpscaleRequest(image=None, raw=RawBody(b"{ }", "application/json")),
                UpscaleRequest(image=None, raw=RawBody(b"{}", None)),
                UpscaleRequest(image=None, raw=RawBody(b"", None), params=(("upscale.mode", "ai.fast"),)),
                UpscaleRequest(image=None, raw=RawBody(b"", None))]
    assert len({cache.key("http://t", r, key) for r in requests}) == len(requests)
