"""Run history: the page over a month of runs, and what recording one run costs (issue 20)."""

from __future__ import annotations

import os
import sys

from .base import Row, Section, timed

HISTORY_RUNS, HISTORY_CLAUSES = 1_000, 40
HISTORY_SHOW_TARGET = 5.0  # seconds for `history show` over HISTORY_RUNS runs
RECORD_SHARE_TARGET = 0.01  # recording a run's summary, against the wall time of a local run --quick


def _synthetic_history(store, runs: int = HISTORY_RUNS, clauses: int = HISTORY_CLAUSES) -> None:
    """``runs`` runs of 4 targets x 2 model versions over the last 25 days, each clause failing now and
    then (seeded), and a monitor run a day: a busy team's month."""
    import json
    import random
    from datetime import UTC, datetime, timedelta

    from ...history.records import ClauseResult, Finding, LimitSeen, Recorded, Run
    from ...verdicts import FAIL, PASS

    rng = random.Random(20)
    start = datetime.now(UTC) - timedelta(days=25)
    names = [f"CLAUSE-{i:02d}" for i in range(clauses)]
    for i in range(runs):
        when = (start + timedelta(minutes=36 * i)).isoformat(timespec="seconds")
        verdicts = {c: FAIL if rng.random() < .03 else PASS for c in names}
        run = Run(f"bench-{i:05d}", "run", when, when, f"https://target-{i % 4}.example", profile="pixel-budget-2026",
                  tool="upscale-conformance 0.1.0", model_versions=(f"{i % 2 + 1}",), calls=60, billable=40,
                  exit_code=int(FAIL in verdicts.values()))
        store.add(Recorded(run, [ClauseResult(c, "must", v, 3, 3, 3) for c, v in verdicts.items()],
                           [Finding(c, "bench_code", "ai.fast") for c, v in verdicts.items() if v == FAIL]))
    for day in range(25):
        when = (start + timedelta(days=day)).isoformat(timespec="seconds")
        finding = {"kind": "pixels", "max_pixels": 4_194_304 - (day // 10) * 100_000, "exact": True}
        store.add(Recorded(Run(f"bench-monitor-{day}", "monitor", when, when, "https://target-0.example"),
                           limits=[LimitSeen("ai.fast", json.dumps(finding))]))


def history_views(rounds: int = 3) -> Section:
    """`history show` over 1,000 runs of 40 clauses (the command, as a user runs it), and recording one
    run's summary into the store as `run` pays for it, against a default local run's wall time, both here."""
    import json
    import subprocess
    import tempfile
    from pathlib import Path

    from ...history.store import Store
    from ...report.history_page import write_history_page

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'bench.sqlite'}"
        fill, _ = timed(lambda: _synthetic_history(Store(url)))
        show = [sys.executable, "-m", "upscale_conformance", "history", "show", "--history", url,
                "--out", str(work / "history")]
        command, in_process = [], []
        for _ in range(rounds):
            elapsed, done = timed(lambda: subprocess.run(show, capture_output=True, text=True))
            if done.returncode != 0:
                raise RuntimeError(f"history show failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
            command.append(elapsed)
            in_process.append(timed(lambda: write_history_page(Store(url), work / "in-process", None))[0])
        size = (work / "history" / "index.html").stat().st_size

        # The default local run (what `make run` does), and recording its summary as `run` pays for it: in a
        # process that has loaded the command (as `run` has) but not SQLAlchemy, which recording imports.
        run = [sys.executable, "-m", "upscale_conformance", "run", "--target", "local",
               "--report-dir", str(work / "reports")]
        env = {**os.environ, "UPSCALE_HISTORY": f"sqlite:///{work / 'r.sqlite'}"}
        wall, done = timed(lambda: subprocess.run(run, capture_output=True, text=True, env=env))
        summary_file = work / "reports" / "latest" / "summary.json"
        if not summary_file.is_file():
            raise RuntimeError(f"the local run wrote no summary:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        summary = json.loads(summary_file.read_text())
        probe = ("import sys, time; import upscale_conformance.cli.app; from upscale_conformance.history.recording "
                 "import record; t = time.perf_counter(); ok = record(__import__('pathlib').Path(sys.argv[1]), "
                 "sys.argv[2]); print(time.perf_counter() - t if ok else -1)")
        first, record = [], []
        for i in range(rounds):
            url_i = f"sqlite:///{work / f'record-{i}.sqlite'}"
            for into in (first, record):  # a new store (its schema created), then the same store again
                out = subprocess.run([sys.executable, "-c", probe, str(summary_file), url_i], capture_output=True,
                                     text=True)
                seconds = float(out.stdout.strip() or -1)
                if seconds < 0:
                    raise RuntimeError(f"recording failed:\n{out.stdout[-2000:]}{out.stderr[-2000:]}")
                into.append(seconds)
    rows = [Row("local run, default depth (wall)", (wall,), f"verdict {summary['verdict']}, "
                                                            f"{summary['calls_spent']} calls"),
            Row("record it: a new store (schema created)", tuple(first),
                "fresh process: SQLAlchemy and Alembic loaded"),
            Row("record it: an existing store", tuple(record), f"{len(summary['clauses'])} clauses, SQLite file"),
            Row(f"history show, {HISTORY_RUNS:,} runs x {HISTORY_CLAUSES} clauses (command)", tuple(command),
                f"page {size:,} B"),
            Row("  the page alone (in process)", tuple(in_process))]
    # The usual case is a store that exists; the median of the rounds against the run measured here.
    show_best, cold = min(command), sorted(record)[len(record) // 2]
    share = cold / wall
    verdict = (f"history show {show_best:.2f} s = {show_best / HISTORY_SHOW_TARGET:.2f} of {HISTORY_SHOW_TARGET:g} s "
               f"({'within' if show_best <= HISTORY_SHOW_TARGET else 'OVER'}); recording {cold * 1000:.1f} ms "
               f"(median of {rounds}, into an existing store) = {share:.2%} of a default local run "
               f"(target < {RECORD_SHARE_TARGET:.0%}: {'within' if share < RECORD_SHARE_TARGET else 'OVER'})")
    return Section("Run history: the page over a month of runs, and the cost of recording one", rows,
                   "local run, default depth (wall)", verdict,
                   [f"store filled with {HISTORY_RUNS:,} synthetic runs and 25 monitor runs in {fill:.1f} s "
                    f"(one transaction each, as runs record); best of {rounds}"])
