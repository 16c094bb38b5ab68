"""``upscale-conformance selfcheck``: the suite's power and precision, against a catalog of servers."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from ..history.recording import record
from ..selfcheck import catalog
from .options import history_option


@click.command("selfcheck")
@click.option("--quick", is_flag=True, help="A representative subset with every kind (about a minute).")
@click.option("--faults", "names", default=None, metavar="A,B,...", help="Only these catalog entries.")
@click.option("--jobs", type=click.IntRange(1), default=None, help="Runs at once (default: min(2, cores)).")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/selfcheck"),
              show_default=True, help="Where <timestamp>/selfcheck.json and selfcheck.md are written.")
@history_option
def selfcheck(quick: bool, names: str | None, jobs: int | None, report_dir: Path, history_url: str | None) -> None:
    """Run the suite against the clean reference server and a catalog of faulted ones; print the kill matrix.

    Exit 0 only when the clean server and every tolerated variation pass, no transport fault fails,
    and every contract and quality fault is killed or listed as a known survivor with a reason.
    """
    from ..running.runner import new_report_dir
    from ..selfcheck.session import default_jobs, run_selfcheck  # on use: it loads the server and its engines

    try:
        entries = catalog.by_name([n.strip() for n in names.split(",") if n.strip()]) if names else (
            catalog.quick() if quick else list(catalog.CATALOG))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    folder = new_report_dir(report_dir)
    code = run_selfcheck(entries, quick, jobs or default_jobs(), folder, Console())
    record(folder / "selfcheck.json", history_url)
    sys.exit(code)
