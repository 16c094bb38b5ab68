"""``upscale-conformance history``: the results store's front door (ingest; the views and triage)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from ..verdicts import FAIL
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

    from ..history.known import TODO_REASON, draft_entries, dump, parse_text

    if out.exists() and not force:
        raise click.UsageError(f"{out} exists: pass --force to overwrite it")
    findings, source = _failing_findings(history_url, run_ref)
    if not findings:
        console.print(f"no failing finding in {source}: nothing to write")
        sys.exit(0)
    entries = draft_entries(findings, datetime.now(UTC).date())
    text = dump(entries, source)
    # What triage writes, run reads once a person has given each entry its reason: a draft that would not parse
    # then is our bug. As written, run refuses it (the placeholder reason), which is the point of a draft.
    parse_text(text.replace(TODO_REASON, "reason"), str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    console.print(f"wrote {len(entries)} entr{'y' if len(entries) == 1 else 'ies'} to {out} "
                  f"(from {source}; expire {entries[0]['expires']}):")
    for e in entries:
        console.print(f"  {e['fingerprint']}")
    console.print(f"give each entry its reason (and link), or delete it: run refuses the placeholder {TODO_REASON!r}",
                  highlight=False)
    sys.exit(0)


def _failing_findings(history_url: str | None, ref: str):
    """(findings, what they came from): a report folder's summary.json, or a run in the store."""
    import json

    from ..history.records import finding_of, recorded
    from ..history.store import HistoryError, Store
    from ..records import files

    folder = Path(ref)
    if folder.is_dir() or folder.name == "summary.json":
        path = folder / "summary.json" if folder.is_dir() else folder
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise click.UsageError(f"cannot read {path}: {exc}") from None
        if not isinstance(data, dict):
            raise click.UsageError(f"cannot read {path}: not a run summary")
        summary = files.parse("summary.json", data)  # as the store reads it, a summary of any version
        run = recorded(summary)
        verdicts = {c.clause: c.verdict for c in run.clauses}
        # A finding an unexpired entry accepts already has its entry, even in a clause failed by another.
        known = {finding_of(fp).fingerprint for e in (summary.known_failures or {}).get("entries", [])
                 if e["state"] == "known" for fp in e["findings"]}  # older files' quotes dropped
        return ([f for f in run.findings if verdicts.get(f.clause) == FAIL and f.fingerprint not in known],
                f"the report {path.parent}")
    try:
        store = Store(history_url)
        run = store.resolve(ref)
        verdicts = {c.clause: c.verdict for c in store.clause_results([run.id])[run.id]}
        found = [f for f in store.findings([run.id])[run.id] if verdicts.get(f.clause) == FAIL]
    except HistoryError as exc:
        raise click.UsageError(str(exc)) from None
    return found, f"run {run.id} ({run.target}, {run.finished})"


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
