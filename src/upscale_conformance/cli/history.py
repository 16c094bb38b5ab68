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
    from ..history.recording import ingest as into_store
    from ..history.store import HistoryError

    try:
        added, seen, found = into_store(folders, history_url)
    except HistoryError as exc:
        raise click.UsageError(str(exc)) from None
    console.print(f"{added} run(s) added, {seen} already in the store ({found} found)")
    sys.exit(0)


@history_group.command("triage")
@history_option
@click.argument("run_ref", metavar="RUN")
@click.option("--write", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The known-failures YAML file to draft.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def triage(history_url: str | None, run_ref: str, out: Path, force: bool) -> None:
    """Draft a known-failures file from RUN's failing findings, one entry each (reason TODO, expiring in 30
    days): a person completes or deletes each (run refuses the TODO reason), commits it and passes it to
    `run --known-failures`.
    RUN is a run id, `latest` or `latest@TARGET` from the store, or a report folder."""
    from datetime import UTC, datetime

    from ..history.known import TODO_REASON
    from ..history.store import HistoryError
    from ..history.triage import failing_findings, write_draft

    if out.exists() and not force:
        raise click.UsageError(f"{out} exists: pass --force to overwrite it")
    try:
        findings, source = failing_findings(history_url, run_ref)
    except HistoryError as exc:
        raise click.UsageError(str(exc)) from None
    if not findings:
        console.print(f"no failing finding in {source}: nothing to write")
        sys.exit(0)
    entries = write_draft(findings, source, datetime.now(UTC).date(), out)
    console.print(f"wrote {len(entries)} entr{'y' if len(entries) == 1 else 'ies'} to {out} "
                  f"(from {source}; expire {entries[0]['expires']}):")
    for e in entries:
        console.print(f"  {e['fingerprint']}")
    console.print(f"give each entry its reason (and link), or delete it: run refuses the placeholder {TODO_REASON!r}",
                  highlight=False)
    sys.exit(0)


def _usage(message: str) -> None:
    """A usage error on one line (exit 2), as the brief of every history command promises."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@history_group.command("show")
@click.option("--since", default="30d", show_default=True, metavar="30d|12h|DATE",
              help="Runs finished since: a number of days (30d) or hours (12h) ago, or an ISO date.")
@click.option("--target", default=None, help="Only this target (as the runs name it, e.g. its URL).")
@history_option
@click.option("--out", "out_dir", default=Path("reports") / "history", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Where index.html is written.")
def show(since: str, target: str | None, history_url: str | None, out_dir: Path) -> None:
    """Write OUT/index.html: the matrix of latest verdicts, where verdicts changed, flaky clauses,
    limits over time (monitor) and calls per day, on one self-contained page."""
    from ..history.store import HistoryError, Store
    from ..history.views import parse_since
    from ..report.history_page import write_history_page

    try:
        cutoff = parse_since(since)
    except ValueError as exc:
        _usage(str(exc))
    try:
        path = write_history_page(Store(history_url), out_dir, cutoff, target)
    except HistoryError as exc:
        _usage(str(exc))
    console.print(f"history: {path}")
    sys.exit(0)


@history_group.command("diff")
@click.argument("run_a", metavar="A")
@click.argument("run_b", metavar="B")
@click.option("--markdown", is_flag=True, help="Print the body of a pull-request comment.")
@history_option
def diff(run_a: str, run_b: str, markdown: bool, history_url: str | None) -> None:
    """What changed from run A to run B (each a run id, latest or latest@TARGET, with ~N for N runs
    before it: `history diff latest~ latest`): new failures, fixed
    clauses, failures still there, every verdict change, new and gone findings. Exit 0 whatever changed."""
    from ..history.store import HistoryError, Store
    from ..history.views import diff as compare
    from ..history.views import diff_markdown, diff_text

    try:
        result = compare(Store(history_url), run_a, run_b)
    except HistoryError as exc:
        _usage(str(exc))
    # click.echo, not rich: Markdown and fingerprints must come out exactly as written.
    click.echo(diff_markdown(result) if markdown else diff_text(result), nl=not markdown)
    sys.exit(0)
