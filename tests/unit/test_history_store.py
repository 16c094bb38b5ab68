"""The results store on SQLite files (no server, no process: threads stand in for parallel jobs), its schema
versions, the readers of what each command writes, and recording that never costs a verdict."""

from __future__ import annotations

import json
import threading

from upscale_conformance.history import recording
from upscale_conformance.history import store as store_module
from upscale_conformance.history.records import Recorded, Run, from_file, read_folder
from upscale_conformance.history.store import SCHEMA, Store


def test_the_tool_knows_every_migration_script_in_order():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "upscale_conformance.history:migrations")
    scripts = [s.revision for s in ScriptDirectory.from_config(config).walk_revisions()]
    assert tuple(reversed(scripts)) == SCHEMA  # the newest script is the version the store opens at


def test_threads_opening_a_fresh_store_and_writing_at_once_lose_nothing(tmp_path):
    url, errors = f"sqlite:///{tmp_path / 'h.sqlite'}", []

    def write(name):
        try:
            store = Store(url)
            for i in range(50):
                store.add(Recorded(Run(f"{name}{i}", "run", "s", f"f{i:02d}", "local")))
        except Exception as exc:  # reported below: a thread's exception would be lost
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(Store(url).runs()) == 100


def test_a_store_that_cannot_be_written_costs_one_warning_and_a_bounded_wait(tmp_path, monkeypatch):
    summary = tmp_path / "summary.json"
    summary.write_text(json.dumps({"run_id": "x", "started": "s", "finished": "f", "target": "local"}))
    said, opened = [], []

    class Seen(store_module.Store):  # the real store, opened with the wait the recording asked for
        def __init__(self, url=None, timeout=30):
            opened.append(timeout)
            super().__init__(url, timeout=timeout)

    monkeypatch.setattr(store_module, "Store", Seen)
    assert recording.record(summary, f"sqlite:///{summary}/h.sqlite", said.append) is False  # a file, not a folder
    # No clock here (how long it took depends on the machine's load): the wait is bounded by what the store
    # is given, a few seconds, not the store's default half minute.
    assert opened == [recording.WAIT] and recording.WAIT <= 5
    assert len(said) == 1 and said[0].startswith("warning: the run was not recorded in sqlite:///")
    assert recording.record(summary, f"sqlite:///{tmp_path / 'h.sqlite'}", said.append) is True and len(said) == 1


def test_monitor_limits_and_their_drift_classes_in_a_version_1_record():
    rec = {"run_id": "m1", "started_at": "s", "finished_at": "f", "target": "local (reference server, profile p)",
           "cost": {"spent": 25, "billable": 20}, "inconclusive": None, "exit_code": 1, "ci": {"commit": "abc"},
           "limits": {"ai.fast": {"finding": {"max_pixels": 1}}, "ai.slow": {"finding": {"max_pixels": 2}}},
           "drift": {"items": [{"severity": "breaking", "area": "limit", "subject": "ai.fast", "message": "m"},
                               {"severity": "notable", "area": "latency", "subject": "ai.slow", "message": "m"}]}}
    got = from_file("record.json", rec)
    assert (got.run.target, got.run.exit_code, got.run.verdict, got.run.commit) == ("local", 1, "breaking drift", "abc")
    assert {lim.mode: lim.drift for lim in got.limits} == {"ai.fast": "breaking", "ai.slow": ""}


def test_load_and_selfcheck_files_as_they_were_written_before_the_one_header():
    load = from_file("load.json", {"run_id": "l1", "started": "s", "finished": "f", "target": "local",
                                   "exit_code": 1, "settings": {"target": "http://127.0.0.1:9", "profile": "p"},
                                   "requests": 20, "answers_by_status": {"200": 18, "429": 2}, "verdict": "v",
                                   "violations": [{"clause": "DIM-4X", "code": "size_not_4x"}]})
    assert (load.run.target, load.run.calls, load.run.billable, load.run.profile) == ("local", 20, 18, "p")
    assert [f.clause for f in load.findings] == ["DIM-4X"]
    check = from_file("selfcheck.json", {"run_id": "s1", "started": "s", "finished": "f", "exit": 1,
                                         "entries": [{"entry": "clean", "kind": "clean", "ok": True},
                                                     {"entry": "no_4x", "kind": "contract", "ok": False}]})
    assert [(c.clause, c.verdict) for c in check.clauses] == [("selfcheck:clean", "PASS"), ("selfcheck:no_4x", "FAIL")]
    assert (check.run.exit_code, check.run.verdict, check.run.target) == (1, "not ok", "selfcheck")


def test_ingest_reads_each_run_once_and_leaves_out_a_selfcheck_s_own_runs(tmp_path):
    def summary(folder, rid):
        folder.mkdir(parents=True)
        (folder / "summary.json").write_text(json.dumps({"run_id": rid, "target": "local", "finished": "f"}))

    summary(tmp_path / "20261201-000000", "a")
    summary(tmp_path / "20261202-000000", "b")
    (tmp_path / "latest").symlink_to("20261202-000000")
    check = tmp_path / "selfcheck" / "20261203-000000"
    summary(check / "no_4x", "faulted")
    (check / "selfcheck.json").write_text(json.dumps({"run_id": "s", "exit": 0, "entries": []}))
    assert sorted(r.run.id for r in read_folder(tmp_path)) == ["a", "b", "s"]
    assert [r.run.id for r in read_folder(tmp_path / "latest")] == ["b"]


def test_ingest_counts_what_it_added_saw_and_found(tmp_path):
    from pathlib import Path

    legacy = Path(__file__).parent.parent / "data" / "legacy"
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    assert recording.ingest([legacy], url) == (4, 0, 4)
    assert recording.ingest([legacy / "run"], url) == (0, 1, 1)
