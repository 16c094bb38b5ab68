"""``upscale-conformance history``: the results store's front door (ingest; the views and triage)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from .options import history_option

console = Console(highlight=False)


@click.group("history")
def history_group() -> None:
    """Run history: every run, monitor, load and selfcheck recorded in one store (docs/history.md)."""


@history_group.command("ingest")
@history_option
@click.argument("folders", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
def ingest(history_url: str | None, folders: tuple[Path, ...]) -> None:
    """Import report folders (summary.json, record.json, load.json, selfcheck.json anywhere below
    FOLDERS, such as the artifacts of many CI jobs). A run already in the store is left as it is."""
    from ..history.records import read_folder
    from ..history.store import HistoryError, Store

    try:
        store = Store(history_url)
        found = [r for folder in folders for r in read_folder(folder)]
        added, seen = store.add_all(found)
    except HistoryError as exc:
        raise click.UsageError(str(exc)) from None
    console.print(f"{added} run(s) added, {seen} already in the store ({len(found)} found)")
    sys.exit(0)
