"""One suite run against one catalog entry: a faulted reference server in a child process, and
``upscale-conformance run`` against it in another, exactly as a user would point the suite at a
target. Nothing here is visible to the checks: they see an HTTP server and nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..server import serve_in_subprocess
from ..server.faults import Faults
from ..verdicts import FAIL, INCONCLUSIVE

KEY = "sk_selfcheck_0123456789"
GOLDEN_TARGET = "selfcheck"
PROFILE = "pixel-budget-2026"
RUN_TIMEOUT = 600  # seconds: a run that hangs this long is reported, not waited for


@dataclass
class Result:
    name: str
    code: int | None  # the run's exit code; None when it timed out or could not start
    failed: list[str] = field(default_factory=list)  # clauses with a FAIL verdict
    inconclusive: list[str] = field(default_factory=list)
    seconds: float = 0.0
    note: str = ""


def _env() -> dict[str, str]:
    env = dict(os.environ, COLUMNS="200", CI="1", PHOTOROOM_API_KEY=KEY)
    env.pop("UPSCALE_SERVER_FAULTS", None)  # each server gets its faults explicitly
    return env


def record_goldens(golden_dir: Path, log: Path) -> int:
    """Goldens from the clean server, filed under ``selfcheck``: what the quality faults are judged by."""
    with serve_in_subprocess(PROFILE, api_key=KEY) as url:
        cmd = [sys.executable, "-m", "upscale_conformance", "goldens", "record", "--target", url,
               "--profile", PROFILE, "--golden-dir", str(golden_dir), "--golden-target", GOLDEN_TARGET]
        out = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=RUN_TIMEOUT)
    log.write_text(out.stdout + out.stderr)
    return out.returncode


def run_isolated(name: str, faults: Faults, select: str | None, golden_dir: Path, report_dir: Path) -> Result:
    """Serve ``faults``, run the quick suite (``select`` as its -k) against it, read the verdicts.

    Nothing of it reaches this process's terminal, where it would tear the progress bar: the run's output
    goes to ``output.txt`` and the faulted server's warnings and logs to ``server-and-runner.log``, both in
    the entry's folder."""
    start = time.monotonic()
    report_dir.mkdir(parents=True, exist_ok=True)
    extra = ["--upscale-golden-dir", str(golden_dir)] + (["-k", select] if select else [])
    try:
        with (report_dir / "server-and-runner.log").open("w") as log, \
                serve_in_subprocess(PROFILE, api_key=KEY, faults=faults, stderr=log) as url:
            cmd = [sys.executable, "-m", "upscale_conformance", "run", "--target", url, "--profile", PROFILE,
                   "--quick", "--report-dir", str(report_dir), "--golden-target", GOLDEN_TARGET, "--", *extra]
            out = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        return Result(name, None, seconds=time.monotonic() - start, note=f"timed out after {RUN_TIMEOUT} s")
    except RuntimeError as exc:  # the server did not start
        return Result(name, None, seconds=time.monotonic() - start, note=str(exc))
    except Exception as exc:  # one broken entry must not lose the others' verdicts, nor its own name
        return Result(name, None, seconds=time.monotonic() - start,
                      note=f"the entry's runner crashed: {type(exc).__name__}: {exc}")
    (report_dir / "output.txt").write_text(out.stdout + out.stderr)
    summary = report_dir / "latest" / "summary.json"
    clauses = json.loads(summary.read_text())["clauses"] if summary.exists() else {}
    by = {v: sorted(c for c, d in clauses.items() if d["verdict"] == v) for v in (FAIL, INCONCLUSIVE)}
    note = "" if summary.exists() else "no summary: " + (out.stdout + out.stderr).strip()[-200:]
    return Result(name, out.returncode, by[FAIL], by[INCONCLUSIVE], time.monotonic() - start, note)
