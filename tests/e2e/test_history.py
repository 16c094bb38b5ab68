"""Run history, end to end: five quick runs against one target whose planted faults come and go,
ingested into a store; the history page (matrix, timeline, flaky) and `history diff` must name exactly
those changes, and the page must render in headless Chromium, self-contained and without the key."""

from __future__ import annotations

import re
import socket

import numpy as np
import pytest
from PIL import Image

from tests.e2e.test_report import open_in_chromium
from tests.support import cli as command
from tests.support.history_runs import monitor, per_axis, pixels
from upscale_conformance.history.store import Store
from upscale_conformance.server import serve_in_thread
from upscale_conformance.server.faults import Faults

KEY = "sk_live_history_Wq7vNeverShowThisKey"
MIRROR, CAST = Faults(mirror=True), Faults(colour_cast=(60, 0, 0))
# Geometry fails in runs 2 and 4 (alternating: flaky), colour in run 5 (one change). Every answer is judged by
# every clause that applies (issue 28: soft checks), so a mirror leaves the colour judged (PASS) and a colour
# cast the geometry: each fault changes its own clause only.
PLAN = [Faults(), MIRROR, Faults(), MIRROR, CAST]
GEOMETRY, COLOUR = "FIDELITY-GEOMETRY", "FIDELITY-COLOUR"
EXPECTED = {GEOMETRY: ["PASS", "FAIL", "PASS", "FAIL", "PASS"],
            COLOUR: ["PASS", "PASS", "PASS", "PASS", "FAIL"]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def five_runs(tmp_path_factory):
    """(work folder, store URL, target URL, the five run ids, the five summaries), ingested."""
    work = tmp_path_factory.mktemp("history")
    port, ids, summaries = _free_port(), [], []
    for faults in PLAN:
        # One port for all five servers: the same target in the store, as a vendor's URL would be. Each server
        # runs in a thread of this process (the run is a process of its own): no interpreter to start each time.
        with serve_in_thread("pixel-budget-2026", api_key=KEY, faults=faults, port=port) as url:
            ran = command.run(work / "reports", "--target", url, "--quick", "--", "-k", "faithful", key=KEY,
                              cwd=work)
        assert ran.code in (0, 1) and ran.summary, ran.output[-3000:]
        ids.append(ran.summary["run_id"])
        summaries.append(ran.summary)
    store = f"sqlite:///{work / 'history.sqlite'}"
    ingested = command.cli("history", "ingest", "--history", store, str(work / "reports"), cwd=work)
    assert ingested.code == 0 and "5 run(s) added" in ingested.output, ingested.output
    return work, store, f"http://127.0.0.1:{port}", ids, summaries


@pytest.mark.slow  # the five runs are made for the first test of the module that needs them
def test_the_planted_faults_come_and_go_as_planned(five_runs):
    *_, summaries = five_runs
    for clause, expected in EXPECTED.items():
        assert [s["clauses"][clause]["verdict"] for s in summaries] == expected, clause
    moving = {c for c in summaries[0]["clauses"]
              if len({s["clauses"][c]["verdict"] for s in summaries} - {"NOT RUN"}) > 1}
    assert moving == set(EXPECTED)  # no other clause changed, so the views below must show these only


def _timeline(page: str) -> dict[str, list[tuple[str, str, str]]]:
    """clause -> [(before, after, run id)] as the page's timeline shows them."""
    section = page.split('id="timeline"', 1)[1].split("</section>", 1)[0]
    out = {}
    for clause, table in re.findall(r'<h3 id="timeline-([^"]+)">.*?</h3>(.*?)</table>', section, re.S):
        rows = re.findall(r'<td class="[^"]*">([^<]*)</td><td class="[^"]*">([^<]*)</td><td>.*?title="([^"]+)"',
                          table, re.S)
        out[clause] = rows
    return out


def test_the_page_shows_exactly_those_changes_and_flags_the_alternating_fault(five_runs):
    work, store, url, ids, _ = five_runs
    shown = command.cli("history", "show", "--history", store, "--out", str(work / "reports" / "history"), cwd=work)
    assert shown.code == 0, shown.output
    page = (work / "reports" / "history" / "index.html").read_text(encoding="utf-8")
    assert _timeline(page) == {
        GEOMETRY: [("(first run)", "PASS", ids[0]), ("PASS", "FAIL", ids[1]), ("FAIL", "PASS", ids[2]),
                   ("PASS", "FAIL", ids[3]), ("FAIL", "PASS", ids[4])],
        COLOUR: [("(first run)", "PASS", ids[0]), ("PASS", "FAIL", ids[4])]}
    # Each change links to that run's report folder (relative, on disk).
    assert re.search(rf'<a href="\.\./[0-9-]+/index\.html" title="{ids[3]}">', page)
    matrix = page.split('id="matrix"', 1)[1].split("</section>", 1)[0]
    assert f"<th>{url} [default model]</th>" in matrix
    row = {c: v for c, v in re.findall(r'<tr><td>([A-Z0-9-]+)</td><td>\w*</td><td class="c (\w+)">', matrix)}
    assert row[GEOMETRY] == "PASS" and row[COLOUR] == "FAIL" and row["DIM-4X"] == "PASS"  # the latest verdicts
    flaky = page.split('id="flaky"', 1)[1].split("</section>", 1)[0]
    assert f"<td>{GEOMETRY}</td>" in flaky and COLOUR not in flaky and "last 10 runs" in flaky
    assert KEY not in page


def test_diff_names_new_failures_fixes_and_findings(five_runs):
    work, store, url, ids, _ = five_runs
    out = command.cli("history", "diff", ids[0], ids[1], "--history", store, cwd=work).output
    assert f"new failures (1): {GEOMETRY}" in out and "fixed (0)" in out and "+ FIDELITY-GEOMETRY/" in out, out
    out = command.cli("history", "diff", ids[1], ids[2], "--history", store, cwd=work).output
    assert f"fixed (1): {GEOMETRY}" in out and "- FIDELITY-GEOMETRY/" in out and f"  {GEOMETRY}: FAIL -> PASS" in out
    out = command.cli("history", "diff", ids[1], "latest~", "--history", store, cwd=work).output  # ~: the run before
    assert f"still failing (1): {GEOMETRY}" in out and "verdict changes (0)" in out, out
    # Run 5 judged the geometry on its colour-cast answers: a fix, beside the new colour failure.
    out = command.cli("history", "diff", ids[3], "latest", "--history", store, cwd=work).output
    assert f"new failures (1): {COLOUR}" in out and f"fixed (1): {GEOMETRY}" in out, out
    assert f"{GEOMETRY}: FAIL -> PASS" in out and f"{COLOUR}: PASS -> FAIL" in out, out
    ran = command.cli("history", "diff", ids[0], f"latest@{url}", "--markdown", "--history", store, cwd=work)
    assert ran.code == 0 and f"- **New failures:** `{COLOUR}`" in ran.output, ran.output
    assert f"| `{COLOUR}` | PASS | FAIL |" in ran.output and "**Fixed:**" not in ran.output
    bad = command.cli("history", "diff", "no-such-run", "latest", "--history", store, cwd=work)
    assert bad.code == 2 and len(bad.output.strip().splitlines()) == 1, bad.output


def test_the_history_page_renders_in_a_browser_with_its_plots(five_runs, tmp_path):
    work, store, url, *_ = five_runs
    history = Store(store)  # a couple of monitor runs, so the limits plot has points
    history.add(monitor("mon-a", 1, {"ai.fast": pixels(4_194_304), "ai.slow": per_axis(512, 512)}, target=url))
    history.add(monitor("mon-b", 20, {"ai.fast": pixels(4_000_000), "ai.slow": per_axis(512, 512)},
                        drift="breaking", target=url))
    out = tmp_path / "history"
    shown = command.cli("history", "show", "--history", store, "--out", str(out), cwd=work)
    assert shown.code == 0, shown.output
    page = (out / "index.html").read_text(encoding="utf-8")
    assert not re.search(r'\b(src|href)="(https?:)?//', page) and "<link" not in page and "<script" not in page
    assert KEY not in page
    dom, log, shot = open_in_chromium(out / "index.html", tmp_path, window="1280,4000")
    for part in ('id="matrix"', f'id="timeline-{GEOMETRY}"', 'alt="limits over time: ai.fast"',
                 'alt="calls and billable calls per day"'):
        assert part in dom, part
    console = [line for line in log.splitlines() if "CONSOLE" in line]
    assert not console, console
    rgb = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert rgb.std() > 10, "the screenshot is blank"

    def rows_with(colour: tuple[int, int, int]) -> np.ndarray:
        return np.nonzero((np.abs(rgb - colour).sum(axis=2) < 30).any(axis=1))[0]

    # The plots are drawn, not just in the DOM: matplotlib's first colour is the limits' step line (no
    # other part of the page uses it), the orange the billable bars.
    assert rows_with((0x1F, 0x77, 0xB4)).size > 50, "no limits plot in the screenshot"
    assert rows_with((0xEF, 0x6C, 0x00)).size > 20, "no billable bars in the screenshot"


def test_bad_since_is_a_one_line_usage_error(tmp_path):
    ran = command.cli("history", "show", "--since", "last week", "--history", f"sqlite:///{tmp_path}/h.sqlite",
                      cwd=tmp_path)
    assert ran.code == 2 and ran.output.strip().count("\n") == 0 and "--since" in ran.output, ran.output
