"""``upscale-conformance report [DIR]``: render a report folder's ``index.html`` again."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from ..report import write_html
from ..report.refresh import allure_page, folder_problem

console = Console()


@click.command("report")
@click.argument("folder", default="reports/latest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--allure", is_flag=True, help="Also build Allure's single-file HTML (needs the `allure` command).")
def report(folder: Path, allure: bool) -> None:
    """Render FOLDER/index.html from FOLDER/summary.json (default: reports/latest)."""
    problem = folder_problem(folder)
    if problem:
        raise click.UsageError(problem)
    console.print(f"report: {write_html(folder)}", highlight=False)
    if allure:
        page = allure_page(folder)
        if page is None:
            console.print("allure is not installed: see https://allurereport.org/docs/install/ "
                          "(then `upscale-conformance report --allure` again)", highlight=False)
            sys.exit(2)
        console.print(f"allure: {page}", highlight=False)
