"""``goldens check``: a target against its goldens, a regression and a portable verdict for every input and
mode; the answers that differ are kept as candidates for `review` and `approve`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from ...errors import NoAnswer
from ..options import opened
from .shared import STATUS_STYLE, common_options, console, inconclusive, job, print_unused, progress, thresholds


@click.command("check")
@common_options
@click.option("--export-format", default=None, help="Ask for this export.format (goldens are recorded as PNG).")
@click.option("--diff-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/goldens"),
              show_default=True, help="Where diff images of warnings and failures are written.")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="When answers differ, their candidates go to REPORT_DIR/<timestamp>/goldens/ "
                                      "(REPORT_DIR/latest points to it) for `goldens review` and `goldens approve`.")
def check_cmd(target, profile, golden_dir, golden_target, inputs_dir, combos, api_key, budget, export_format,
              diff_dir, report_dir) -> None:
    """Check TARGET against its goldens: a regression verdict (warn/fail thresholds from
    contracts/perceptual.yaml) and a portable, golden-free verdict for every input and mode."""
    from ...goldens.job import keep_candidates, write_diffs
    from ...running.runner import new_report_dir

    run, key = job(target, profile, golden_dir, golden_target, inputs_dir, combos, api_key, budget)
    if run.missing_goldens():
        raise click.UsageError(run.missing_goldens())
    limits = thresholds()
    try:
        with opened(target, profile, key, run.calls, local_key=key or None) as session, \
                progress(len(run.pairs), "checking") as step:
            report = run.check(session.client, limits, export_format, progress=step)
    except NoAnswer as exc:
        inconclusive(exc, run.bill())
    diffs = write_diffs(report, diff_dir)
    table = Table(title="Perceptual goldens")
    for col in ("input", "mode", "regression", "portable", "evidence"):
        table.add_column(col, overflow="fold")
    for n, c in enumerate(report.checks):
        reg = c.regression
        portable = "-" if c.portable is None else ("ok" if c.portable.ok else f"[yellow]{c.portable.defect}[/]")
        evidence = reg.message if reg.status != "pass" else ("identical" if reg.identical else "")
        if c.portable is not None and not c.portable.ok:
            evidence = (evidence + "; " if evidence else "") + c.portable.message
        if n in diffs:
            evidence += f" (diff: {diffs[n]})"
        table.add_row(escape(c.key.input_name), escape(c.key.combo.slug),
                      f"[{STATUS_STYLE.get(reg.status, '')}]{reg.status}[/]", portable, escape(evidence))
    console.print(table)
    console.print(f"{report.count('pass')} pass, {report.count('warn')} warn, {report.count('fail')} fail "
                  f"(thresholds: {limits.path}); {run.bill()}", highlight=False)
    print_unused(report.unused, [], run.golden_dir)
    folder, kept = keep_candidates(report, run.golden_dir, limits, lambda: new_report_dir(report_dir))
    if kept:
        console.print(f"{len(kept)} candidate(s) kept in {folder}; see them with "
                      f"`upscale-conformance goldens review {folder}`", highlight=False)
    sys.exit(1 if report.count("fail") else 0)
