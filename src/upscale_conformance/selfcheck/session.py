"""One selfcheck: goldens from the clean server, then the clean server and every entry, up to
``jobs`` at a time, each run judged, scored and written into the report folder."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..server.faults import Faults
from . import output, scoring, survivors
from .catalog import GOLDEN, Entry
from .execute import Result, record_goldens, run_isolated


def default_jobs() -> int:
    # Each job is a server and a suite run (two busy processes): more than the cores only thrashes.
    return max(1, min(2, os.cpu_count() or 1))


def clean_selection(entries: list[Entry], quick: bool) -> str | None:
    """The clean server runs what the entries run (quick), or the whole quick suite."""
    if not quick:
        return None
    return " or ".join(dict.fromkeys(f"({e.select})" for e in entries)) or None


def run_selfcheck(entries: list[Entry], quick: bool, jobs: int, folder: Path, console: Console) -> int:
    """The selfcheck, written into ``folder`` (a new report folder: see running.runner.new_report_dir)."""
    start = time.monotonic()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    known = survivors.load()
    golden_dir = folder / "goldens"
    judged: list[scoring.Judged] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("running the suite against each server", total=len(entries) + 2)
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            goldens = pool.submit(record_goldens, golden_dir, folder / "goldens.log")
            goldens.add_done_callback(lambda _f: progress.advance(task))
            tasks = [(e, e.select) for e in entries] + [(None, clean_selection(entries, quick))]
            # Runs that need no goldens go first, so they overlap the recording instead of waiting on it.
            tasks.sort(key=lambda t: needs_goldens(t[1]))
            futures = {pool.submit(_run, entry, select, goldens, golden_dir, folder): entry
                       for entry, select in tasks}
            for future in as_completed(futures):
                entry, result = futures[future], _result(future)
                judged.append(scoring.judge_clean(result) if entry is None else scoring.judge(entry, result, known))
                progress.advance(task)
                progress.update(task, description=f"done: {judged[-1].name} ({judged[-1].outcome})")
    order = {e.name: i for i, e in enumerate(entries)}
    judged.sort(key=lambda j: order.get(j.name, -1))  # clean first, then catalog order
    seconds = time.monotonic() - start
    code = scoring.exit_code(judged)
    scores = scoring.scores(judged)
    output.print_matrix(console, judged, scores, seconds)
    output.write(folder, judged, scores, seconds, quick, code, started)
    console.print(f"clean server: {judged[0].outcome}; verdict: {'OK' if code == 0 else 'NOT OK'}; "
                  f"report: {folder}", highlight=False)
    return code


def needs_goldens(select: str | None) -> bool:
    return select is None or GOLDEN in select


def _run(entry: Entry | None, select: str | None, goldens, golden_dir: Path, folder: Path) -> Result:
    name = entry.name if entry else "clean"
    if needs_goldens(select) and _code(goldens) != 0:
        return Result(name, None, note=f"recording goldens from the clean server failed: see {folder}/goldens.log")
    return run_isolated(name, entry.faults if entry else Faults(), select, golden_dir, folder / name)


def _code(future) -> int | None:
    try:
        return future.result()
    except Exception:  # a timeout or a server that did not start: no goldens
        return None


def _result(future) -> Result:
    try:
        return future.result()
    except Exception as exc:  # one broken run must not lose the others' verdicts
        return Result("?", None, note=f"{type(exc).__name__}: {exc}")
