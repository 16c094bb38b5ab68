"""The suite's own cost: a local run split into where its time went (the targets: a quick run within
45 s, a default one within 180 s, the suite's own work at most a quarter of the wall time)."""

from __future__ import annotations

import sys

from .base import Row, Section, timed

SUITE_OVERHEAD_TARGET = 0.25
RUN_WALL_TARGETS = {"quick": 45.0, "default": 180.0}


def _suite_run(kind: str) -> Section:
    """One `upscale-conformance run --target local` in a child process, split into where its time went.

    "waiting on the target" is the sum of the client's request times (the server's work and the
    transfer); the rest of the tests' time is the suite's own: generating and encoding inputs,
    decoding outputs, running the checks.
    """
    import json
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as reports:
        cmd = [sys.executable, "-m", "upscale_conformance", "run", "--target", "local", "--report-dir", reports]
        wall, done = timed(lambda: subprocess.run(cmd + (["--quick"] if kind == "quick" else []),
                                                  capture_output=True, text=True))
        summary_file = Path(reports) / "latest" / "summary.json"
        if not summary_file.is_file():
            raise RuntimeError(f"the {kind} run wrote no summary:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        summary = json.loads(summary_file.read_text())
    tests, target = summary["test_seconds"], summary["target_seconds"]
    overhead = tests - target
    rows = [Row("whole run (wall)", (wall,)), Row("tests", (tests,)), Row("waiting on the target", (target,)),
            Row("suite overhead (generation, decoding, checks)", (overhead,)),
            Row("start-up, server start, report", (wall - tests,))]
    share, limit = overhead / wall, RUN_WALL_TARGETS[kind]
    verdict = (f"{kind} run: {wall:.1f} s (target <= {limit:.0f} s: {'within' if wall <= limit else 'OVER'}); "
               f"suite overhead {share:.0%} of wall (target <= {SUITE_OVERHEAD_TARGET:.0%}: "
               f"{'within' if share <= SUITE_OVERHEAD_TARGET else 'OVER'}); verdict {summary['verdict']}, "
               f"{summary['calls_spent']} calls")
    return Section(f"upscale-conformance run --target local{' --quick' if kind == 'quick' else ''}", rows,
                   baseline="whole run (wall)", verdict=verdict)


def suite_overhead_quick() -> Section:
    return _suite_run("quick")


def suite_overhead_default() -> Section:
    return _suite_run("default")
