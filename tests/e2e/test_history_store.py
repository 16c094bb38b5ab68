"""The results store on both backends it promises: SQLite files and a real PostgreSQL server (a throwaway
cluster started once per session, tests/support/postgres.py). The same tests run on each."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import create_engine

from tests.support import postgres
from tests.support.cli import cli
from upscale_conformance.history.records import ClauseResult, Finding, LimitSeen, Recorded, Run, read_folder
from upscale_conformance.history.store import SCHEMA, VERSION_TABLE, HistoryError, Store, metadata

_names = itertools.count()


@pytest.fixture(scope="session")
def pg_server():
    why = postgres.missing()
    if why:
        pytest.skip(why)
    with postgres.cluster() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A URL of a store that does not exist yet, on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.sqlite'}"
    return postgres.new_database(request.getfixturevalue("pg_server"), f"t{next(_names)}_{time.time_ns()}")


def _run(rid: str, **kw) -> Recorded:
    return Recorded(Run(rid, "run", "2026-12-01T00:00:00+00:00", f"2026-12-01T00:{int(rid[-2:]) % 60:02d}:00+00:00",
                        "local", model_versions=("m1",), **kw),
                    [ClauseResult("DIM-4X", "must", "FAIL", 2, 3, 4), ClauseResult("ERR-413", "must", "PASS")],
                    [Finding("DIM-4X", "size_not_4x", "ai.fast")],
                    [LimitSeen("ai.fast", '{"max_pixels": 1}', "notable")])


def test_a_run_is_stored_once_with_all_it_holds(store_url):
    store = Store(store_url)
    assert store.add(_run("r01", calls=9)) is True
    assert store.add(_run("r01", calls=10)) is False  # the same id: nothing changes
    assert Store(store_url).add_all([_run("r01"), _run("r02")]) == (1, 1)
    runs = store.runs()
    assert [r.id for r in runs] == ["r01", "r02"] and runs[0].calls == 9 and runs[0].model_versions == ("m1",)
    assert {c.clause: c.verdict for c in store.clause_results(["r01"])["r01"]} == {"DIM-4X": "FAIL", "ERR-413": "PASS"}
    assert [f.fingerprint for f in store.findings(["r02"])["r02"]] == ["DIM-4X/size_not_4x/ai.fast/-/-/-"]
    assert store.limits(["r01"])["r01"][0].drift == "notable"
    assert store.resolve("latest").id == "r02"


def test_the_migrations_build_the_schema_the_code_queries(store_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    store = Store(store_url)
    with store.engine.connect() as db:
        assert db.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalar() == SCHEMA[-1]
        assert compare_metadata(MigrationContext.configure(db, opts={"version_table": VERSION_TABLE}), metadata) == []


def test_a_store_of_a_newer_schema_is_refused_in_one_line(store_url):
    Store(store_url)
    engine = create_engine(store_url)
    with engine.begin() as db:
        db.exec_driver_sql(f"UPDATE {VERSION_TABLE} SET version_num = '9999'")
    engine.dispose()
    with pytest.raises(HistoryError) as refused:
        Store(store_url)
    assert "9999" in str(refused.value) and "newer" in str(refused.value) and "\n" not in str(refused.value)


def test_importing_the_same_folders_twice_gives_the_same_counts(store_url, tmp_path):
    reports = tmp_path / "reports"
    for n in range(3):
        folder = reports / f"2026120{n}-000000"
        folder.mkdir(parents=True)
        (folder / "summary.json").write_text(json.dumps(
            {"run_id": f"id{n}", "started": "s", "finished": f"f{n}", "target": "local", "clauses": {}}))
    (reports / "latest").symlink_to("20261202-000000")
    store = Store(store_url)
    assert store.add_all(read_folder(reports)) == (3, 0)
    assert store.add_all(read_folder(reports) + read_folder(reports / "latest")) == (0, 4)
    assert len(store.runs()) == 3


WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from upscale_conformance.history.records import Recorded, Run, ClauseResult
    from upscale_conformance.history.store import Store
    url, name, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    (go.parent / f"ready-{name}").touch()  # imports done: waiting for the other
    while not go.exists():  # both start together, on a store that does not exist yet
        time.sleep(0.01)
    store = Store(url)
    for i in range(50):
        assert store.add(Recorded(Run(f"{name}-{i}", "run", "s", f"f{i:02d}", "local"),
                                  [ClauseResult("DIM-4X", "must", "PASS")]))
""")


def test_two_processes_writing_50_runs_each_at_once_leave_100(store_url, tmp_path):
    go = tmp_path / "go"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, store_url, name, str(go)], stderr=subprocess.PIPE,
                                text=True) for name in ("a", "b")]
    ready = [tmp_path / f"ready-{name}" for name in ("a", "b")]
    while not all(r.exists() for r in ready):  # both interpreters up and waiting, however long that takes
        assert all(w.poll() is None for w in writers), [w.communicate()[1] for w in writers]
        time.sleep(0.01)
    go.touch()
    for w in writers:
        _, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
    store = Store(store_url)
    assert len(store.runs()) == 100
    assert sum(len(v) for v in store.clause_results([r.id for r in store.runs()]).values()) == 100


@pytest.mark.slow
def test_monitor_records_its_run_and_an_unwritable_store_costs_one_warning(tmp_path):
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    done = cli("monitor", "--target", "local", "--out", str(tmp_path / "m"), "--history", url)
    assert done.code == 0, done.output
    [run] = Store(url).runs()
    assert (run.command, run.target, run.exit_code) == ("monitor", "local", 0)
    assert {lim.mode for lim in Store(url).limits([run.id])[run.id]} == {"ai.fast", "ai.slow"}
    again = cli("history", "ingest", str(tmp_path / "m"), "--history", url)  # recorded already: nothing new
    assert "0 run(s) added, 1 already in the store (1 found)" in again.output, again.output
    # A store that cannot be written: the verdict and the exit code stay, one warning line says so.
    broken = cli("monitor", "--target", "local", "--out", str(tmp_path / "m2"),
                 "--history", f"sqlite:///{tmp_path / 'm' / 'record.json' / 'h.sqlite'}")
    assert broken.code == 0, broken.output
    warnings = [line for line in broken.output.splitlines() if "not recorded" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: the run was not recorded in sqlite:///")
