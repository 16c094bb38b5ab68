"""``upscale-conformance report [DIR]``: render a report folder's ``index.html`` again."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click
from rich.console import Console

from ..records.legacy import upgrade
from ..report import summary_problems, write_html

console = Console()


@click.command("report")
@click.argument("folder", default="reports/latest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--allure", is_flag=True, help="Also build Allure's single-file HTML (needs the `allure` command).")
def report(folder: Path, allure: bool) -> None:
    """Render FOLDER/index.html from FOLDER/summary.json (default: reports/latest)."""
    import json

    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        raise click.UsageError(f"no summary.json in {folder}: give the folder of a run (reports/<timestamp>)")
    try:
        data = json.loads(summary_path.read_text(encoding="utf-8"))
        # A summary written before the one header (issue 27) is read as this version writes it.
        problems = summary_problems(upgrade("summary.json", data) if isinstance(data, dict) else data)
    except ValueError as exc:
        raise click.UsageError(f"{summary_path}: not JSON ({exc})") from None
    if problems:
        raise click.UsageError(f"{summary_path} does not keep the summary schema: {problems[0]}")
    console.print(f"report: {write_html(folder)}", highlight=False)
    if allure:
        tool = shutil.which("allure")
        if tool is None:
            console.print("allure is not installed: see https://allurereport.org/docs/install/ "
                          "(then `upscale-conformance report --allure` again)", highlight=False)
            sys.exit(2)
        out = folder / "allure-report"
        subprocess.run([tool, "generate", "--single-file", str(folder / "allure-results"), "-o", str(out),
                        "--clean"], check=False)
        console.print(f"allure: {out / 'index.html'}", highlight=False)
