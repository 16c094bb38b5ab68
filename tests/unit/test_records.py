"""The run records (src/upscale_conformance/records): each of the four files, written by this version through
the writer its command uses, keeps its JSON Schema and starts with the one header; files written before the
one header (tests/data/legacy, written by the code of 66d5631) still read, and `history ingest` takes them.
No server, no process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from upscale_conformance.contract import load_clauses, load_profile
from upscale_conformance.history.records import from_file, read_folder
from upscale_conformance.load import summary as figures
from upscale_conformance.load.launch import LoadSettings, report_of
from upscale_conformance.monitor import record as monitor_record
from upscale_conformance.records import files, legacy
from upscale_conformance.records.header import HEADER_KEYS, new_header, public_target, tool_name
from upscale_conformance.report.deciding import decide
from upscale_conformance.report.summary import summary_record, write_summary
from upscale_conformance.selfcheck import catalog, output, scoring
from upscale_conformance.selfcheck.execute import Result
from upscale_conformance.server.faults import Faults
from upscale_conformance.verdicts import Outcome, Tally

LEGACY = Path(__file__).parents[1] / "data" / "legacy"
CI = {"GITHUB_SHA": "abc123", "GITHUB_REF_NAME": "main", "GITHUB_RUN_ID": "7", "GITHUB_REPOSITORY": "o/r"}


def _summary(folder: Path) -> Path:
    tally = Tally()
    tally.add(Outcome(("DIM-4X",), failed=True, calls=2, billable=2, nodeid="t::a", violations=[
        {"code": "size_not_4x", "clause": "DIM-4X", "message": "m", "evidence": {"asked": {"mode": "ai.fast"}}}]))
    tally.add(Outcome(("ERR-BODY",), passed=True, calls=1, nodeid="t::b"))
    profile, clauses = load_profile(None), load_clauses()
    decision = decide(tally.outcomes, {cid: profile.level_of(c) for cid, c in clauses.items()})
    record = summary_record(tally, decision, {cid: c.promise for cid, c in clauses.items()},
                            target="https://u:hunter2@vendor.invalid/", profile=profile.id)
    return write_summary(record, folder / "summary.json")


def _monitor(folder: Path) -> Path:
    body = monitor_record.new_body("2026-12-08T00:00:00Z", {}, 10)
    body["finished"] = "2026-12-08T00:01:00Z"
    body["limits"] = {"ai.fast": {"finding": {"kind": "pixels", "max_pixels": 1_000_000}, "observations": []}}
    return monitor_record.write_record(monitor_record.finished(body, "local", "pixel-budget-2026", 0), folder)


def _load(folder: Path) -> Path:
    rows = [{"index": i, "label": "ai.fast", "request": "r", "status": 200, "seconds": 0.1, "outcome": "ok",
             "violations": [], "started": 0.0, "finished": 1.0} for i in range(2)]
    settings = LoadSettings("http://127.0.0.1:9", load_profile(None), name="local")
    figures.write(folder, report_of(figures.summarize(rows, 2, settings.public()), settings, "2026-12-08T00:00:00Z"))
    return folder / "load.json"


def _selfcheck(folder: Path) -> Path:
    entry = catalog.Entry("x", "contract", "d", Faults(mirror=True), "faithful", frozenset({"FIDELITY-GEOMETRY"}))
    judged = [scoring.judge_clean(Result("clean", 0)), scoring.judge(entry, Result("x", 1, ["FIDELITY-GEOMETRY"]), {})]
    output.write(folder, judged, scoring.scores(judged), 3.0, True, scoring.exit_code(judged), "2026-12-08T00:00:00Z")
    return folder / "selfcheck.json"


WRITERS = {"summary.json": _summary, "record.json": _monitor, "load.json": _load, "selfcheck.json": _selfcheck}


@pytest.mark.parametrize("name", list(WRITERS))
def test_a_file_this_version_writes_keeps_its_schema_and_reads_back_as_it_was(name, tmp_path, monkeypatch):
    for var, value in CI.items():
        monkeypatch.setenv(var, value)
    path = WRITERS[name](tmp_path)
    data = json.loads(path.read_text())
    assert path.name == name and files.problems(name, data) == []
    assert files.read(path).to_dict() == data  # the typed record is the file, field for field
    assert data["ci"]["commit"] == "abc123" and data["ci"]["job_url"] == "https://github.com/o/r/actions/runs/7"


def test_the_four_files_share_one_header(tmp_path):
    headers = []
    for name, write in WRITERS.items():
        folder = tmp_path / name
        folder.mkdir()
        data = json.loads(write(folder).read_text())
        assert [k for k in data if k in HEADER_KEYS] == list(HEADER_KEYS), name  # every field, in one order
        headers.append({k: data[k] for k in HEADER_KEYS})
        assert data["command"] == legacy.COMMAND_OF[name]
    assert {h["tool"] for h in headers} == {tool_name()}
    assert len({h["run_id"] for h in headers}) == 4
    assert headers[0]["target"] == "https://u@vendor.invalid/"  # the password stays out of every record


@pytest.mark.parametrize("name", list(WRITERS))
def test_a_record_without_a_header_field_breaks_its_schema(name, tmp_path):
    data = json.loads(WRITERS[name](tmp_path).read_text())
    del data["finished"]
    data["exit_code"] = "0"
    problems = files.problems(name, data)
    assert any("'finished' is a required property" in p for p in problems)
    assert any(p.startswith("exit_code:") for p in problems)


@pytest.mark.parametrize(("given", "kept"), [
    ("https://user:pw@example.invalid:8443/v2?x=1", "https://user@example.invalid:8443/v2?x=1"),
    ("http://:pw@[::1]:8000", "http://[::1]:8000"),
    ("https://example.invalid", "https://example.invalid"),
    ("local", "local"),
])
def test_a_password_in_the_target_is_removed(given, kept):
    assert public_target(given) == kept
    assert new_header("run", given, "p", started="s", exit_code=0, verdict="v", environ={}).target == kept


# --- files written before the one header ------------------------------------------------------------------

LEGACY_FILES = {"summary.json": "run", "record.json": "monitor", "load.json": "load", "selfcheck.json": "selfcheck"}


@pytest.mark.parametrize("name", list(LEGACY_FILES))
def test_a_file_written_before_the_one_header_reads_as_this_version_writes_it(name):
    data = json.loads((LEGACY / LEGACY_FILES[name] / name).read_text())
    assert "command" not in data  # it is an old file: the header came later
    record = files.parse(name, data)
    assert files.problems(name, record.to_dict()) == []
    assert record.header.command == LEGACY_FILES[name] and record.header.run_id == data["run_id"]
    assert record.header.started and record.header.finished and record.header.tool == "upscale-conformance 0.1.0"


def test_the_store_reads_old_files_as_it_read_them_before():
    """What history read of these files before the typed records (read with the code of 66d5631)."""
    got = {r.run.command: r for r in read_folder(LEGACY)}
    assert sorted(got) == ["load", "monitor", "run", "selfcheck"]
    run, monitor, load, check = got["run"], got["monitor"], got["load"], got["selfcheck"]
    assert (run.run.id, run.run.target, run.run.exit_code, run.run.verdict, run.run.calls, run.run.golden_target) == (
        "e94cbaea72a9467a951b3d6137631bdc", "http://127.0.0.1:32781", 1, "a must clause failed", 16, "selfcheck")
    assert [(c.clause, c.verdict) for c in run.clauses] == [("DIM-4X", "FAIL"), ("DIM-EXIF", "NOT RUN"),
                                                             ("FIDELITY-GEOMETRY", "NOT RUN")]
    assert [f.fingerprint for f in run.findings] == [f"DIM-4X/size_not_4x/ai.fast/-/-/{k}" for k in
                                                     ("JPEG", "PNG", "WEBP")]
    assert (monitor.run.target, monitor.run.started, monitor.run.finished, monitor.run.calls, monitor.run.billable,
            monitor.run.verdict, monitor.run.profile) == (
        "local", "2026-12-08T00:21:43Z", "2026-12-08T00:21:51Z", 25, 20, "no breaking drift", "pixel-budget-2026")
    assert {lim.mode: lim.drift for lim in monitor.limits} == {"ai.fast": "breaking", "ai.slow": ""}
    assert (load.run.target, load.run.finished, load.run.calls, load.run.billable, load.run.verdict) == (
        "local", "2026-12-08T00:21:53+00:00", 4, 4, "every answer kept the contract")
    assert (check.run.target, check.run.exit_code, check.run.verdict) == ("selfcheck", 0, "ok")
    assert [c.clause for c in check.clauses] == ["selfcheck:clean", "selfcheck:scale-off-by-one"]


def test_an_old_file_without_a_run_id_is_one_run_however_often_it_is_read():
    old = {"target": "local", "finished": "f", "exit": 0, "entries": []}
    first, second = from_file("selfcheck.json", old), from_file("selfcheck.json", dict(old))
    assert first.run.id == second.run.id and first.run.id.startswith("selfcheck-")


def test_history_ingest_takes_the_old_files(tmp_path):
    from upscale_conformance.cli.history import history_group

    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    runner = CliRunner()
    result = runner.invoke(history_group, ["ingest", "--history", url, str(LEGACY)])
    assert result.exit_code == 0 and "4 run(s) added, 0 already in the store (4 found)" in result.output
    again = runner.invoke(history_group, ["ingest", "--history", url, str(LEGACY)])
    assert "0 run(s) added, 4 already in the store" in again.output


def test_the_records_import_nothing_of_the_engine_but_the_package_s_version():
    """records/ is vocabulary at the ground: the writers and the store import it, never the other way."""
    import ast

    import upscale_conformance.records as package

    wrong = []
    for path in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                if node.level > 2 or (node.level == 2 and node.module is not None):
                    wrong.append(f"{path.name}: {'.' * node.level}{node.module or ''}")
            elif isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                wrong += [f"{path.name}: {n}" for n in names if n.startswith("upscale_conformance")]
    assert not wrong, wrong


def test_history_triage_drafts_from_an_old_report_folder(tmp_path):
    from upscale_conformance.cli.history import history_group

    out = tmp_path / "known.yaml"
    result = CliRunner().invoke(history_group, ["triage", str(LEGACY / "run"), "--write", str(out)])
    assert result.exit_code == 0, result.output
    assert [e["fingerprint"] for e in yaml.safe_load(out.read_text())] == [
        f"DIM-4X/size_not_4x/ai.fast/-/-/{k}" for k in ("JPEG", "PNG", "WEBP")]
    (tmp_path / "list").mkdir()
    (tmp_path / "list" / "summary.json").write_text("[1, 2]")
    bad = CliRunner().invoke(history_group, ["triage", str(tmp_path / "list"), "--write", str(tmp_path / "k.yaml")])
    assert bad.exit_code == 2 and "not a run summary" in bad.output


def test_report_renders_the_page_of_an_old_summary_again(tmp_path):
    from upscale_conformance.cli.report import report

    (tmp_path / "summary.json").write_text((LEGACY / "run" / "summary.json").read_text())
    result = CliRunner().invoke(report, [str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "DIM-4X" in (tmp_path / "index.html").read_text()


def test_a_folder_is_rendered_again_only_from_a_summary_that_keeps_its_schema(tmp_path, monkeypatch):
    from upscale_conformance.report.refresh import allure_page, folder_problem

    assert folder_problem(tmp_path) == f"no summary.json in {tmp_path}: give the folder of a run (reports/<timestamp>)"
    summary = tmp_path / "summary.json"
    summary.write_text("{oops")
    assert folder_problem(tmp_path).startswith(f"{summary}: not JSON (")
    summary.write_text('{"clauses": 3}')
    assert folder_problem(tmp_path).startswith(f"{summary} does not keep the summary schema: ")
    summary.write_text((LEGACY / "run" / "summary.json").read_text())  # written before the one header
    assert folder_problem(tmp_path) == ""
    monkeypatch.setenv("PATH", str(tmp_path))  # no `allure` command on it
    assert allure_page(tmp_path) is None and not (tmp_path / "allure-report").exists()


def test_a_clause_left_unjudged_carries_its_reason_into_the_summary_the_table_and_the_page(tmp_path):
    """BLOCKED (by which clause, why), INCONCLUSIVE and NOT RUN each say why they were not judged."""
    import io

    from rich.console import Console

    from upscale_conformance.report.html import render
    from upscale_conformance.report.summary import print_table

    tally = Tally()
    tally.add(Outcome(("DIM-4X", "FIDELITY-GEOMETRY"), failed=True, nodeid="t::a", violations=[
        {"code": "size_not_4x", "clause": "DIM-4X", "message": "m", "evidence": {}}],
        blocked=({"clause": "FIDELITY-GEOMETRY", "by": "DIM-4X", "reason": "no geometry comparison"},)))
    tally.add(Outcome(("ERR-BODY",), inconclusive="the target is down", nodeid="t::b"))
    profile, clauses = load_profile(None), load_clauses()
    decision = decide(tally.outcomes, {cid: profile.level_of(c) for cid, c in clauses.items()})
    record = summary_record(tally, decision, {cid: c.promise for cid, c in clauses.items()}, target="local",
                            profile=profile.id)
    data = json.loads(write_summary(record, tmp_path / "summary.json").read_text())
    assert files.problems("summary.json", data) == []
    got = data["clauses"]
    assert got["FIDELITY-GEOMETRY"]["verdict"] == "BLOCKED"
    assert got["FIDELITY-GEOMETRY"]["reason"] == "blocked by DIM-4X: no geometry comparison"
    assert got["ERR-BODY"]["reason"] == "the target is down"
    assert got["AUTH-REQUIRED"]["verdict"] == "NOT RUN" and "no test of this run" in got["AUTH-REQUIRED"]["reason"]
    assert "reason" not in got["DIM-4X"]  # judged: nothing to explain
    out = io.StringIO()
    print_table(data, Console(file=out, width=250))
    table = out.getvalue()
    assert "BLOCKED" in table and "blocked by DIM-4X: no geometry comparison" in table
    assert "no test of this run" in table
    page = render(data, tmp_path)
    assert "blocked by DIM-4X: no geometry comparison" in page and 'id="AUTH-REQUIRED"' in page
