"""The one way the tests run the installed command: ``python -m upscale_conformance ...`` as a user types
it, in a process of its own, with a key only from the environment unless the test passes one.

``cli`` runs any command; ``run`` runs ``run --report-dir DIR ...`` and reads ``DIR/latest/summary.json``,
holding every summary to its documented schema. Both give the wall time and the peak RSS of the process
tree (``wait4``), which tests/e2e/test_hostile.py bounds, and kill the process if it hangs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from upscale_conformance.report import summary_problems

HANG = 600  # seconds: a command still going after this is killed as hung, whatever the machine's load


@dataclass
class Ran:
    code: int
    output: str  # stdout and stderr, interleaved as they came
    seconds: float = 0.0
    peak_rss_kb: int = 0
    summary: dict = field(default_factory=dict)  # a run's summary.json, {} when it wrote none


def cli(*args: str, key: str | None = None, cwd: Path | None = None, timeout: float = HANG,
        output: Path | None = None) -> Ran:
    """``upscale-conformance ARGS``; ``key`` goes to $PHOTOROOM_API_KEY (none is inherited), ``output`` keeps
    what it printed in that file as well."""
    env = dict(os.environ, COLUMNS="200", CI="1")
    env.pop("PHOTOROOM_API_KEY", None)
    if key:
        env["PHOTOROOM_API_KEY"] = key
    with tempfile.TemporaryFile("w+") as out:
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "upscale_conformance", *args], stdout=out,
                                stderr=subprocess.STDOUT, env=env, cwd=cwd)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        _, status, usage = os.wait4(proc.pid, 0)  # the child's own peak RSS, its children included
        killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        seconds = time.monotonic() - started
        out.seek(0)
        text = out.read()
    if output is not None:
        output.write_text(text)
    return Ran(proc.returncode, text, seconds, usage.ru_maxrss)


def run(report_dir: Path, *args: str, **options) -> Ran:
    """``upscale-conformance run --report-dir REPORT_DIR ARGS`` and the summary.json it wrote."""
    ran = cli("run", "--report-dir", str(report_dir), *args, **options)
    summary_file = report_dir / "latest" / "summary.json"
    if summary_file.exists():
        ran.summary = json.loads(summary_file.read_text())
        assert summary_problems(ran.summary) == [], ran.output[-3000:]  # every summary keeps its schema
    return ran


def failed(summary: dict) -> set[str]:
    """The clauses a run failed."""
    return {cid for cid, c in summary["clauses"].items() if c["verdict"] == "FAIL"}


def verdicts(summary: dict) -> dict[str, str]:
    return {cid: c["verdict"] for cid, c in summary["clauses"].items()}
