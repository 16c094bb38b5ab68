"""The history views on a store of synthetic runs (SQLite in tmp): the matrix, where verdicts changed,
flaky clauses, limits over time, calls per day, the diff of two runs, the page and the commands' usage
errors. No server, no process."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from tests.support.history_runs import T0, monitor, per_axis, pixels, run
from upscale_conformance.cli.history import history_group
from upscale_conformance.history import views
from upscale_conformance.history.records import Finding
from upscale_conformance.history.store import HistoryError, Store
from upscale_conformance.report.history_page import render

MIRROR = Finding("FIDELITY-GEOMETRY", "fidelity_mirrored", "ai.fast", "", "png", "PNG")


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'history.sqlite'}")
    # Five runs of one target: GEOMETRY fails in runs 2 and 4 (alternating), DIM-4X fails from run 3 on.
    plan = [("PASS", "PASS"), ("FAIL", "PASS"), ("PASS", "FAIL"), ("FAIL", "FAIL"), ("PASS", "FAIL")]
    for i, (geometry, dim) in enumerate(plan, 1):
        store.add(run(f"r{i}", i, {"FIDELITY-GEOMETRY": geometry, "DIM-4X": dim, "ERR-SHAPE": "PASS"},
                      findings=(MIRROR,) if geometry == "FAIL" else (), calls=10 * i, billable=i))
    # Another model version of the same target: its own column.
    store.add(run("m1", 6, {"DIM-4X": "PASS", "ERR-SHAPE": "NOT RUN"}, models=("2",)))
    store.add(monitor("mon1", 1, {"ai.fast": pixels(4_194_304), "ai.slow": per_axis(512, 512)}))
    store.add(monitor("mon2", 30, {"ai.fast": pixels(4_000_000), "ai.slow": per_axis(512, 512)}, drift="breaking"))
    return store


def test_since_accepts_days_hours_and_iso_dates_only():
    now = datetime(2026, 12, 2, 6, tzinfo=UTC)
    assert views.parse_since("30d", now) == "2026-11-02T06:00:00+00:00"
    assert views.parse_since("12h", now) == "2026-12-01T18:00:00+00:00"
    assert views.parse_since("2026-11-01T12:00:00+01:00", now) == "2026-11-01T11:00:00+00:00"
    for bad in ("30", "3w", "yesterday", "-1d", ""):
        with pytest.raises(ValueError, match="expected 30d, 12h or an ISO date"):
            views.parse_since(bad, now)


def test_the_matrix_has_a_column_per_target_and_model_version_with_the_latest_verdict(store):
    history = views.load(store)
    cells = views.matrix(history)
    default, model2 = "http://vendor [default model]", "http://vendor [2]"
    assert history.columns == [default, model2]
    assert {c: v for c, (v, _) in ((c, cells[c][default]) for c in cells)} == {
        "FIDELITY-GEOMETRY": "PASS", "DIM-4X": "FAIL", "ERR-SHAPE": "PASS"}
    assert cells["DIM-4X"][default][1].id == "r5" and cells["DIM-4X"][model2][0] == "PASS"
    assert cells["ERR-SHAPE"][model2][0] == "NOT RUN"  # nothing older to keep in that column


def test_the_timeline_holds_only_the_changes(store):
    moved = [(c.clause, c.run.id, c.before, c.after) for c in views.changes(views.load(store))
             if c.column.endswith("[default model]")]
    assert moved == [("DIM-4X", "r1", "", "PASS"), ("ERR-SHAPE", "r1", "", "PASS"),
                     ("FIDELITY-GEOMETRY", "r1", "", "PASS"), ("FIDELITY-GEOMETRY", "r2", "PASS", "FAIL"),
                     ("DIM-4X", "r3", "PASS", "FAIL"), ("FIDELITY-GEOMETRY", "r3", "FAIL", "PASS"),
                     ("FIDELITY-GEOMETRY", "r4", "PASS", "FAIL"), ("FIDELITY-GEOMETRY", "r5", "FAIL", "PASS")]


def test_flaky_means_two_flips_in_the_last_ten_runs_of_one_target_tool_and_profile(tmp_path, store):
    found = views.flaky(views.load(store))
    assert [(f.clause, f.flips) for f in found] == [("FIDELITY-GEOMETRY", 4)]  # DIM-4X changed once: not flaky
    other = Store(f"sqlite:///{tmp_path / 'other.sqlite'}")
    # A new tool version that fixes a clause is a change, not flakiness.
    for i, (tool, v) in enumerate([("a", "FAIL"), ("a", "FAIL"), ("b", "PASS"), ("c", "FAIL")]):
        other.add(run(f"t{i}", i, {"X": v}, tool=tool))
    # Flips older than the last ten runs are forgotten.
    for i in range(14):
        other.add(run(f"w{i}", 10 + i, {"Y": "FAIL" if i in (1, 3) else "PASS"}, target="http://w"))
    assert views.flaky(views.load(other)) == []


def test_limits_over_time_and_calls_per_day(store):
    series = views.limits_over_time(store)
    assert [p.numbers for p in series["ai.fast"]] == [{"max_pixels": 4_194_304}, {"max_pixels": 4_000_000}]
    assert series["ai.slow"][0].numbers == {"max_width": 512, "max_height": 512}
    assert series["ai.fast"][1].drift == "breaking"
    days = views.calls_per_day(store)
    assert sum(c for c, _ in days.values()) == 10 + 20 + 30 + 40 + 50 + 10 + 30 + 30
    assert sum(b for _, b in days.values()) == 1 + 2 + 3 + 4 + 5 + 8 + 12 + 12
    assert min(days) == T0.date().isoformat()


def test_the_diff_names_new_failures_fixes_and_findings(store):
    d = views.diff(store, "r1", "r2")
    assert (d.new_failures, d.fixed, d.still_failing) == (["FIDELITY-GEOMETRY"], [], [])
    assert d.new_findings == [MIRROR.fingerprint] and d.gone_findings == []
    d = views.diff(store, "r4", "latest@http://vendor")  # m1 is newer, so the ref names the target
    assert d.b.id == "m1"
    d = views.diff(store, "r4", "r5")
    assert (d.new_failures, d.fixed, d.still_failing) == ([], ["FIDELITY-GEOMETRY"], ["DIM-4X"])
    assert d.changed == [("FIDELITY-GEOMETRY", "FAIL", "PASS")] and d.gone_findings == [MIRROR.fingerprint]
    md = views.diff_markdown(d)
    assert "- **Fixed:** `FIDELITY-GEOMETRY`" in md and "| `FIDELITY-GEOMETRY` | FAIL | PASS |" in md
    assert "- **Still failing:** `DIM-4X`" in md and f"gone `{MIRROR.fingerprint}`" in md
    assert views.diff(store, "latest~", "latest").a.id == "r5" and views.resolve(store, "latest~5").id == "r1"
    assert views.resolve(store, "latest@http://vendor~2").id == "r4"
    with pytest.raises(HistoryError, match="only 6 run"):
        views.resolve(store, "latest~6")
    with pytest.raises(HistoryError, match="no run 'nope'"):
        views.diff(store, "nope", "latest")


def test_the_page_is_self_contained_and_shows_every_part(store, tmp_path):
    page = render(store, tmp_path)
    for part in ('id="matrix"', 'id="timeline"', 'id="flaky"', 'id="limits"', 'id="calls"',
                 'id="timeline-FIDELITY-GEOMETRY"', 'alt="limits over time: ai.fast"'):
        assert part in page, part
    assert "last 10 runs" in page and "4</td>" in page  # the window is said; the flips are counted
    assert page.count('src="data:image/png;base64,') == 3  # two modes' limits, calls per day
    assert not re.search(r'(src|href)="(https?:)?//', page) and "<script" not in page and "<link" not in page


def test_a_run_s_report_folder_is_linked_when_it_is_on_disk(tmp_path):
    folder = tmp_path / "reports" / "20261201-000000"
    folder.mkdir(parents=True)
    (folder / "index.html").write_text("<html></html>")
    store = Store(f"sqlite:///{tmp_path / 'h.sqlite'}")
    store.add(run("here", 1, {"X": "PASS"}, report=str(folder)))
    store.add(run("gone", 2, {"X": "FAIL"}, report=str(tmp_path / "nowhere")))
    page = render(store, tmp_path / "reports" / "history")
    assert 'href="../20261201-000000/index.html"' in page and 'href="' not in page.split("gone")[0][-80:]


def test_bad_since_and_unknown_refs_are_one_line_usage_errors(store):
    runner = CliRunner()
    url = store.url
    result = runner.invoke(history_group, ["show", "--since", "soon", "--history", url])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    result = runner.invoke(history_group, ["diff", "r1", "latest@nowhere", "--history", url])
    assert result.exit_code == 2 and "no run of nowhere" in result.output, result.output
    result = runner.invoke(history_group, ["diff", "r4", "r5", "--history", url, "--markdown"])
    assert result.exit_code == 0 and result.output.startswith("### upscale-conformance")
