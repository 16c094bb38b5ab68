"""Issue 22, end to end: goldens of the reference server checked against a server whose ai.slow answers are
blurred and whose new ai.fast model was retrained (crisper). The review page shows one group per change,
with the right inputs, in Chromium with and without scripts; approving the new-model group makes it pass
(the blurred inputs still fail); history shows both baselines and revert brings the old one back; a run
that failed another clause cannot approve without --force."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.e2e.test_report import open_in_chromium
from tests.support import cli as command
from upscale_conformance.contract import NEW_FAST_MODEL, load_profile
from upscale_conformance.goldens import candidates
from upscale_conformance.server import Faults, serve_in_thread

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "inputs"
PROFILE = "pixel-budget-2026"
SUBSET = ("coffee_cup.png", "flat_logo_rgba.png", "text_scan.png")
NEW = f"ai.fast+{NEW_FAST_MODEL}"
CHANGED = Faults(blur=1.5, blur_mode="ai.slow", retrained_model=NEW_FAST_MODEL)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Goldens of the reference server for the subset, ai.slow and the new ai.fast model only (8 calls)."""
    tmp = tmp_path_factory.mktemp("review")
    (tmp / "in").mkdir()
    for name in SUBSET:
        shutil.copy(FIXTURES / name, tmp / "in" / name)
    store = ("--golden-dir", str(tmp / "goldens"), "--inputs", str(tmp / "in"), "--profile", PROFILE,
             "--mode", "ai.slow", "--mode", NEW)
    ran = command.cli("goldens", "record", *store, cwd=tmp)
    assert ran.code == 0 and "6 created" in ran.output, ran.output
    with serve_in_thread(load_profile(PROFILE), faults=CHANGED) as url:
        yield tmp, store, url


def check(world, name: str) -> tuple[command.Ran, Path]:
    tmp, store, url = world
    ran = command.cli("goldens", "check", *store, "--target", url, "--golden-target", "local", "--report-dir",
                      str(tmp / name), key="sk_test_review", cwd=tmp)
    return ran, (tmp / name / "latest").resolve()


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def ids(report: Path) -> set[str]:
    return {c.id for c in candidates.load(report)}


def test_review_approve_history_revert(world):
    tmp, store, url = world
    golden_dir = store[1]
    ran, report = check(world, "first")
    assert ran.code == 1, ran.output
    blurred = {f"ai.slow/{n}" for n in SUBSET}
    retrained = {f"{NEW}/{n}" for n in SUBSET}
    assert ids(report) == blurred | retrained

    reviewed = command.cli("goldens", "review", str(report), cwd=tmp)
    assert reviewed.code == 0, reviewed.output
    groups = dict(re.findall(r"^(g-[0-9a-f]{6})  (.*)$", reviewed.output, re.M))
    assert len(groups) == 2, reviewed.output  # one group per change, not one item per input
    new_group = next(g for g, line in groups.items() if line.startswith(f"{NEW}: sharper"))
    slow_group = next(g for g, line in groups.items() if line.startswith("ai.slow: softer"))
    members = re.findall(r"^(g-[0-9a-f]{6})  .*\n((?:    .*\n)+)", reviewed.output, re.M)
    assert {g: set(block.split()) for g, block in members} == {new_group: retrained, slow_group: blurred}
    page = (report / "review.html").read_text(encoding="utf-8")
    assert new_group in page and slow_group in page and "pr-ai-upscale-model-version" in page
    assert "http://" not in page and "https://" not in page and "<link" not in page and "sk_test" not in page

    # The slider moves with the page's #slider= fragment: two positions, two different screenshots.
    _, _, left = open_in_chromium(report / "review.html", tmp, fragment="slider=0", shot_name="left.png")
    _, log, right = open_in_chromium(report / "review.html", tmp, fragment="slider=100", shot_name="right.png")
    a, b = (np.asarray(Image.open(p).convert("RGB"), dtype=np.int16) for p in (left, right))
    assert a.std() > 10 and np.abs(a - b).max() > 40, "moving the slider changed nothing on screen"
    assert not [line for line in log.splitlines() if "CONSOLE" in line]
    # Scripts off: headless Chromium's --screenshot itself needs scripts (with --blink-settings=scriptEnabled=
    # false it writes nothing), so the page is loaded without its <script>, as a browser with scripts off
    # runs it. It draws the same, side by side and heat maps included; only the slider stays at half.
    noscript = tmp / "review-noscript.html"
    noscript.write_text(re.sub(r"<script>.*?</script>", "", page, flags=re.S), encoding="utf-8")
    _, _, off = open_in_chromium(noscript, tmp, shot_name="noscript.png")
    c = np.asarray(Image.open(off).convert("RGB"), dtype=np.int16)
    assert c.std() > 10 and np.mean(np.abs(c - b).max(axis=2) > 40) < 0.05
    assert page.count('alt="golden detail"') == 6 * 4 and page.count('alt="new detail"') == 6 * 4
    assert 'value="50" disabled' in page  # the script enables them; without it they say they do nothing

    approved = command.cli("goldens", "approve", str(report), "--group", new_group, "--reason",
                           "vendor retrained ai.fast 2025-07-29", "--golden-dir", golden_dir, cwd=tmp)
    assert approved.code == 0 and approved.output.count("approved") == 3, approved.output
    ran, report = check(world, "second")
    assert ran.code == 1 and ids(report) == blurred, ran.output  # the new model passes; the blur still fails

    history = command.cli("goldens", "history", "--golden-dir", golden_dir, "--input", f"{NEW}/coffee_cup.png",
                          "--profile", PROFILE, cwd=tmp)
    assert history.code == 0, history.output
    lines = [line.strip() for line in history.output.splitlines()]
    assert lines[1].startswith("current") and "vendor retrained ai.fast 2025-07-29" in lines[1]
    assert lines[2].startswith("1") and "recorded" in lines[2] and "in-process reference server" in lines[2]

    reverted = command.cli("goldens", "revert", "--golden-dir", golden_dir, "--profile", PROFILE, cwd=tmp)
    assert reverted.code == 0 and reverted.output.count("reverted") == 3, reverted.output
    ran, report = check(world, "third")
    assert ran.code == 1 and ids(report) == blurred | retrained, ran.output
    kept = Path(golden_dir) / "local" / PROFILE / NEW / "coffee_cup.history" / "reverted" / "1" / "coffee_cup.json"
    assert json.loads(kept.read_text())["approved"]["reason"] == "vendor retrained ai.fast 2025-07-29"


def test_approving_from_a_run_that_failed_another_clause_is_refused(world, tmp_path):
    tmp, store, _ = world
    _, report = check(world, "refusal")
    folder = tmp_path / "run"
    shutil.copytree(report, folder)
    (folder / "summary.json").write_text(json.dumps({"clauses": {
        "DIM-4X": {"verdict": "FAIL"}, "PERCEPTUAL-REGRESSION": {"verdict": "FAIL"}, "AUTH": {"verdict": "PASS"}}}))
    goldens = tmp_path / "goldens"
    shutil.copytree(store[1], goldens)
    before = snapshot(goldens)
    refused = command.cli("goldens", "approve", str(folder), "--all", "--reason", "x", "--golden-dir", str(goldens),
                          cwd=tmp)
    assert refused.code == 1 and "DIM-4X" in refused.output and "PERCEPTUAL" not in refused.output.split("failed")[1]
    assert snapshot(goldens) == before, "a refused approval wrote nothing"
    forced = command.cli("goldens", "approve", str(folder), "--all", "--reason", "x", "--force", "--golden-dir",
                         str(goldens), cwd=tmp)
    assert forced.code == 0 and forced.output.count("approved") == 6, forced.output


def test_a_run_with_its_golden_dir_leaves_candidates_to_review(world):
    """The same review from `run`: its perceptual suite reads the goldens of `--golden-dir` and keeps the
    candidates in the run's report, which `goldens review` groups as `goldens check`'s."""
    tmp, store, url = world
    golden_dir = store[1]
    ran = command.run(tmp / "via-run", "--target", url, "--golden-dir", golden_dir, "--golden-target", "local",
                      "--profile", PROFILE, "--quick", "--", "-k", "close_to_its_golden", key="sk_test_review")
    assert ran.code == 1 and ran.summary["clauses"]["PERCEPTUAL-REGRESSION"]["verdict"] == "FAIL", ran.output[-3000:]
    report = (tmp / "via-run" / "latest").resolve()
    assert ids(report), "the run kept no candidates"
    reviewed = command.cli("goldens", "review", str(report), cwd=tmp)
    assert reviewed.code == 0, reviewed.output
    lines = re.findall(r"^g-[0-9a-f]{6}  (.*)$", reviewed.output, re.M)
    assert any(line.startswith(f"{NEW}: sharper") for line in lines), reviewed.output
    assert any(line.startswith("ai.slow: softer") for line in lines), reviewed.output
