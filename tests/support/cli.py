"""The one way the tests run the installed command: ``python -m upscale_conformance ...`` as a user types
it, in a process of its own, with a key only from the environment unless the test passes one.

``cli`` runs any command; ``run`` runs ``run --report-dir DIR ...`` and reads ``DIR/latest/summary.json``,
holding every summary to its documented schema. Both give the wall time and the peak RSS of the process
tree (``wait4``), which tests/e2e/test_hostile.py bounds, and kill the process if it hangs.

``invoke`` runs a command in this process (click's test runner), with the same environment rules: for the
tests of what a command does, not of the installed program, it saves the second of imports a process costs.
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
        output: Path | None = None, env: dict[str, str] | None = None) -> Ran:
    """``upscale-conformance ARGS``; ``key`` goes to $PHOTOROOM_API_KEY (none is inherited), ``env`` adds to
    the environment, ``output`` keeps what it printed in that file as well."""
    env = {**os.environ, **_environment(key, env)}
    env = {k: v for k, v in env.items() if v is not None}
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


def invoke(*args: str, key: str | None = None, env: dict[str, str] | None = None) -> Ran:
    """``upscale-conformance ARGS`` in this process: the exit code and what it printed (stdout and stderr).
    An exception other than an exit is raised, never turned into exit 1 (a crash must not pass for a FAIL)."""
    from click.testing import CliRunner

    from upscale_conformance.cli.app import cli as command_line

    result = CliRunner().invoke(command_line, list(args), env=_environment(key, env), catch_exceptions=False)
    return Ran(result.exit_code, result.output)


def _environment(key: str | None, env: dict[str, str] | None) -> dict[str, str | None]:
    """What a command's environment changes: a wide terminal, CI, and the key only when given (None unsets)."""
    return {"COLUMNS": "200", "CI": "1", "PHOTOROOM_API_KEY": key or None, **(env or {})}


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
