"""``upscale-conformance replay BUNDLE|REPORT_DIR``: the front door of :mod:`upscale_conformance.replay`.

Exit codes: 0 every bundle FIXED, 1 one STILL FAILING or FLAKY, 2 usage error, 3 one could not be concluded.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from .options import needs_key, opened, target_options

console = Console(highlight=False)


@click.command("replay")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--times", type=click.IntRange(min=1), default=3, show_default=True,
              help="Tries per bundle: FIXED needs every try clean, FLAKY is some of each.")
@target_options("target", "api_key", "budget", "timeout", "patience",
                target={"help": "`local` starts the reference server; otherwise a base URL (default: each bundle's "
                                "own target)."},
                budget={"help": "Most requests to send, retries and health probes included (default: unlimited for "
                                "`local` and loopback addresses, otherwise as `run`)."})
@click.option("--export-pytest", "export", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Send nothing: write a pytest module, one test per bundle, with the bundles copied beside it "
                   "(FILE_STEM_bundles/); it runs under plain pytest with the plugin's --upscale-target.")
def replay_cmd(path, target, times, api_key, budget, timeout, patience, export) -> None:
    """Send each bundle's request again and judge the answer with the same check and arguments.

    PATH is one bundle (bundles/<clause>-<n>/) or a report folder (its bundles/). Prints per bundle
    FIXED (clean on every try), STILL FAILING (with the new measurement) or FLAKY (some tries fail).
    Exit: 0 all fixed, 1 anything still failing or flaky, 2 usage error, 3 could not conclude.
    """
    from ..replay import export_pytest, find_bundles, load_bundle
    from ..replay.batch import plan, replay_all, summary_line
    from ..replay.engine import exit_code

    folders = find_bundles(path)
    if not folders:
        raise click.UsageError(f"{path} holds no bundle (a bundles/<clause>-<n>/ folder or a report folder)")
    bundles = [load_bundle(f) for f in folders]
    if export is not None:
        where = export_pytest(bundles, export)
        console.print(f"wrote {export} ({len(bundles)} tests) and copied the bundles to {where}/")
        sys.exit(0)

    batch = plan(bundles, target, times, budget)
    for where in batch.groups:  # refused before anything is sent to any of them
        needs_key(where, api_key)
    if batch.notice():
        console.print(batch.notice())

    def session_on(where: str, profile: str):
        # `local`: a reference server with a fresh key, so a key clause's bundle is judged for real.
        return opened(where, profile, api_key, batch.calls, timeout, patience,
                      say=lambda line: console.print(f"  {line}"))

    # One line per bundle, never wrapped: greppable.
    outcomes = replay_all(batch, session_on, show=lambda done: click.echo(done.line()))
    console.print(summary_line(outcomes, batch.calls))
    sys.exit(exit_code(outcomes))
