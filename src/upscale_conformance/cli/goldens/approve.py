"""``goldens approve``: a report's candidates written as the new goldens, on purpose and with a reason."""

from __future__ import annotations

import sys

import click
from rich.markup import escape

from .shared import GOLDEN_DIR, REPORT_ARG, console, usage_errors


@click.command("approve")
@REPORT_ARG
@click.option("--all", "everything", is_flag=True, help="Every candidate of the report.")
@click.option("--group", "group_ids", multiple=True, help="The candidates of this group (an id review.html shows).")
@click.option("--input", "inputs", multiple=True,
              help="This candidate: <mode-and-model>/<input file>, or an input file (every mode). Repeatable.")
@click.option("--reason", required=True, help="Why this change is accepted; kept in the golden's provenance.")
@click.option("--force", is_flag=True, help="Approve even from a run whose other clauses failed.")
@GOLDEN_DIR
def approve_cmd(report_dir, everything, group_ids, inputs, reason, force, golden_dir) -> None:
    """Write the report's candidates as the new goldens, each with its provenance; the goldens they
    replace are kept in the store's history (`goldens history`, `goldens revert`)."""
    from ...goldens.approval import Refused, approve

    try:
        approved = usage_errors(approve, report_dir, reason, everything=everything, group_ids=group_ids,
                                inputs=inputs, force=force, golden_dir=golden_dir)
    except Refused as exc:
        console.print(f"[red]refused[/]: {escape(str(exc))}", highlight=False)
        sys.exit(1)
    for done in approved:
        was = f"previous baseline kept as history {done.kept}" if done.kept else "no previous baseline"
        console.print(f"[green]approved[/] {escape(done.candidate.id)} into {escape(str(done.root))} ({was})",
                      highlight=False)
