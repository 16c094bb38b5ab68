"""What a run leaves for people and CI: a self-contained index.html, and a summary.json that keeps its
documented schema. (Issue 13 in part: the headless-browser check is still to come.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from upscale_conformance.report import summary_problems
from upscale_conformance.server import serve_in_subprocess
from upscale_conformance.server.faults import Faults

KEY = "sk_live_report_Zq8v3KeyThatMustNeverShow"


def cli(tmp_path: Path, *args: str) -> tuple[int, str]:
    env = dict(os.environ, COLUMNS="200", CI="1", PHOTOROOM_API_KEY=KEY)
    out = subprocess.run([sys.executable, "-m", "upscale_conformance", *args], capture_output=True, text=True,
                         env=env, timeout=300, cwd=tmp_path)
    return out.returncode, out.stdout + out.stderr


def test_a_failing_run_leaves_a_self_contained_page_that_shows_why_and_never_the_key(tmp_path):
    with serve_in_subprocess(profile="pixel-budget-2026", api_key=KEY, faults=Faults(mirror=True)) as url:
        code, output = cli(tmp_path, "run", "--target", url, "--report-dir", str(tmp_path / "reports"), "--quick",
                           "--", "-k", "faithful")
    assert code == 1, output[-3000:]
    folder = (tmp_path / "reports" / "latest").resolve()
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "index.html" in output
    assert 'id="FIDELITY-GEOMETRY"' in page and "fidelity_mirrored" in page and "b1" in page
    assert '<img alt="input" src="data:image/png;base64,' in page and '<img alt="output" src="data:image/png' in page
    assert "$PHOTOROOM_API_KEY" in page and "--form upscale.mode=ai." in page  # a reproduction to copy
    assert "http://" not in page.replace(url, "") and "<link" not in page and "<script" not in page
    assert len(page) < 1_000_000
    summary = json.loads((folder / "summary.json").read_text())
    assert summary_problems(summary) == []
    results = [json.loads(p.read_text()) for p in (folder / "allure-results").glob("*-result.json")]
    labelled = [r for r in results if {"name": "clause", "value": "FIDELITY-GEOMETRY"} in r.get("labels", [])]
    assert labelled, "every suite test is labelled in Allure with its clause IDs"
    attached = {a["type"] for r in labelled for a in r.get("attachments", [])}
    assert {"image/png", "text/plain"} <= attached  # the pictures and the curl reproduction
    leaked = [p for p in folder.rglob("*") if p.is_file() and KEY.encode() in p.read_bytes()]
    assert leaked == [] and KEY not in output


def test_the_report_command_renders_a_folder_again_and_refuses_a_bad_one(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps({"schema_version": 1, "tool": "t", "finished": "now",
                                                     "target": "local", "profile": "p", "exit_code": 0,
                                                     "verdict": "conformant", "calls_spent": 0, "calls_billable": 0,
                                                     "tests": 0, "tests_detail": [], "clauses": {}}))
    code, output = cli(tmp_path, "report", str(folder))
    assert code == 0 and (folder / "index.html").is_file(), output
    (folder / "summary.json").write_text('{"schema_version": 1}')
    code, output = cli(tmp_path, "report", str(folder))
    assert code == 2 and "summary schema" in output and "Traceback" not in output
