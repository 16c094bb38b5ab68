"""``goldens review``: the page on which a person sees each answer that differs from its golden."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from .shared import REPORT_ARG, console, thresholds, usage_errors


@click.command("review")
@REPORT_ARG
def review_cmd(report_dir: Path) -> None:
    """Write REPORT_DIR/review.html (default: reports/latest): each answer that differs from its golden beside
    it, grouped by mode and model and by how it moved, with the group ids `approve --group` takes."""
    from ...goldens.approval import report_folder
    from ...report.review import write_review

    page, grouped = write_review(usage_errors(report_folder, report_dir), thresholds())
    for g in grouped:
        console.print(f"{g.id}  {escape(g.label)}", highlight=False)
        for c in g.members:
            console.print(f"    {escape(c.id)}", highlight=False, soft_wrap=True)
    console.print(f"review: {page}", highlight=False)
