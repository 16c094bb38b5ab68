"""What a run leaves for people and CI: a self-contained index.html, and a summary.json that keeps its
documented schema. The page is opened in headless Chromium (Debian's, installed by `make test` when
missing; skipped with the reason where it cannot be installed)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from junitparser import JUnitXml, Properties, Property, TestSuite
from PIL import Image

from tests.support import cli as command
from upscale_conformance.report import summary_problems
from upscale_conformance.server import serve_in_thread
from upscale_conformance.server.faults import Faults

KEY = "sk_live_report_Zq8v3KeyThatMustNeverShow"


def cli(tmp_path: Path, *args: str) -> tuple[int, str]:
    ran = command.cli(*args, key=KEY, cwd=tmp_path)
    return ran.code, ran.output


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory) -> tuple[Path, str, str]:
    """(report folder, output, target URL) of one quick run against a mirrored server, shared by the tests."""
    tmp_path = tmp_path_factory.mktemp("failing-run")
    with serve_in_thread(profile="pixel-budget-2026", api_key=KEY, faults=Faults(mirror=True)) as url:
        ran = command.run(tmp_path / "reports", "--target", url, "--quick", "--", "-k", "faithful", key=KEY,
                          cwd=tmp_path)
    assert ran.code == 1, ran.output[-3000:]
    return (tmp_path / "reports" / "latest").resolve(), ran.output, url


def test_a_failing_run_leaves_a_self_contained_page_that_shows_why_and_never_the_key(failing_run):
    folder, output, url = failing_run
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
    cases = list(JUnitXml.fromfile(str(folder / "junit.xml")).iterchildren(TestSuite))[0]
    executed = [c for c in cases if not c.is_skipped]

    def clause_ids(case) -> str:
        return " ".join(p.value for props in case.iterchildren(Properties) for p in props.iterchildren(Property)
                        if p.name == "clauses")

    assert executed and all(clause_ids(c) for c in executed)
    clauses = {clause_ids(c) for c in executed}
    assert any("FIDELITY-GEOMETRY" in v.split() for v in clauses), clauses
    assert len(list(cases)) == summary["tests"]  # one test case per test the run executed
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


def open_in_chromium(page: Path, tmp_path: Path, window: str = "1280,1600", fragment: str = "",
                     flags: tuple[str, ...] = (), shot_name: str = "page.png") -> tuple[str, str, Path]:
    """(the DOM after load, Chromium's log, a screenshot) of ``page`` opened from file://, with ``#fragment``
    if given and Chromium ``flags`` added (e.g. ``--blink-settings=scriptEnabled=false``)."""
    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("chromium is not installed (make test installs Debian's where apt-get is available)")
    # No network of any kind: the page must need none, and this machine refuses Chromium's own calls.
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'chromium-profile'}", "--enable-logging=stderr", "--v=0",
             f"--window-size={window}", *flags]
    url = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    shot = tmp_path / shot_name
    # One launch gives both: the DOM on stdout and the screenshot in its file (a launch is about a CPU-second).
    opened = subprocess.run([browser, *flags, "--dump-dom", f"--screenshot={shot}", url], capture_output=True,
                            text=True, timeout=120)
    return opened.stdout, opened.stderr, shot


def test_the_page_of_a_failing_run_renders_in_a_browser(failing_run, tmp_path):
    dom, log, shot = open_in_chromium(failing_run[0] / "index.html", tmp_path)
    assert 'id="FIDELITY-GEOMETRY"' in dom and dom.count("<img") >= 2, dom[:2000]
    console = [line for line in log.splitlines() if "CONSOLE" in line]
    assert not console, console  # no console errors (nor any console message at all)
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=np.float32)
    assert pixels.std() > 10, "the screenshot is blank"


def test_monitor_and_selfcheck_folders_get_a_page_too(tmp_path):
    code, output = cli(tmp_path, "monitor", "--target", "local", "--out", str(tmp_path / "monitor"))
    assert code == 0, output
    page = (tmp_path / "monitor" / "index.html").read_text(encoding="utf-8")
    assert "exit 0: no breaking drift" in page and "<script" not in page and "discovery" in page
