"""``goldens record``: goldens from a trusted target (only what is missing, or with --update what changed)."""

from __future__ import annotations

import sys

import click
from rich.markup import escape

from ...errors import NoAnswer
from ..options import opened
from .shared import STATUS_STYLE, common_options, console, inconclusive, job, print_unused, progress


@click.command("record")
@common_options
@click.option("--update", is_flag=True, help="Rewrite goldens whose answer changed; delete unused ones.")
def record_cmd(target, profile, golden_dir, golden_target, inputs_dir, combos, api_key, budget, update) -> None:
    """Record goldens from TARGET (only what is missing, or with --update what changed)."""
    run, key = job(target, profile, golden_dir, golden_target, inputs_dir, combos, api_key, budget, recording=True)
    try:
        # The user's key goes to a `local` server too: a sandbox key's answers carry the watermark there as well.
        with opened(target, profile, key, run.calls, local_key=key or None) as session, \
                progress(len(run.pairs), "recording") as step:
            report = run.record(session.client, update, progress=step)
    except NoAnswer as exc:
        inconclusive(exc, run.bill())
    for outcome in report.outcomes:
        if outcome.action != "unchanged":
            style = STATUS_STYLE.get(outcome.action, "")
            detail = outcome.message or (", ".join(outcome.changed) if outcome.action == "updated" else "")
            console.print(f"[{style}]{outcome.action:9}[/] {escape(outcome.key.describe())}  {escape(detail)}",
                          highlight=False)
    counts = ", ".join(f"{report.count(a)} {a}" for a in ("created", "updated", "unchanged", "differs", "error")
                       if report.count(a))
    console.print(f"goldens in {run.golden_dir / run.slug / run.profile.id}: {counts}; {run.bill()}",
                  highlight=False)
    varying = sorted(slug for slug, n in report.samples.items() if n > 1)
    why = (f"one answer per input plus {report.probes} determinism probe(s)" if not varying else
           f"answers vary run to run for {', '.join(varying)}: {report.extra_samples} extra sample(s) measured "
           "the spread that checks will allow")
    console.print(f"cost: {why}", highlight=False)
    print_unused(report.unused, report.deleted, run.golden_dir)
    if report.count("differs"):
        console.print("[yellow]some answers differ from their goldens; pass --update to rewrite them[/]")
    sys.exit(1 if report.count("error") else 0)
