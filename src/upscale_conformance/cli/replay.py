"""``upscale-conformance replay BUNDLE|REPORT_DIR``: the front door of :mod:`upscale_conformance.replay`.

Exit codes: 0 every bundle FIXED, 1 one STILL FAILING or FLAKY, 2 usage error, 3 one could not be concluded.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlparse

import click
from rich.console import Console

from ..client.target import is_local
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
    from ..client import Budget
    from ..replay import export_pytest, find_bundles, load_bundle
    from ..replay.engine import FIXED, FLAKY, INCONCLUSIVE, STILL_FAILING, exit_code, replay
    from ..running.runner import DEFAULT_VENDOR_BUDGET

    folders = find_bundles(path)
    if not folders:
        raise click.UsageError(f"{path} holds no bundle (a bundles/<clause>-<n>/ folder or a report folder)")
    bundles = [load_bundle(f) for f in folders]
    if export is not None:
        where = export_pytest(bundles, export)
        console.print(f"wrote {export} ({len(bundles)} tests) and copied the bundles to {where}/")
        sys.exit(0)

    groups: dict[str, list] = {}
    for b in bundles:  # each bundle goes to its own run's target unless --target says otherwise
        groups.setdefault(target or b.request["target"], []).append(b)
    for where in groups:  # refused before anything is sent to any of them
        needs_key(where, api_key)
    paid = [t for t in groups if not is_local(t)]
    cost = len(bundles) * times
    if paid:
        budget = budget if budget is not None else max(DEFAULT_VENDOR_BUDGET, cost)
        hosts = ", ".join(urlparse(t).netloc for t in paid)
        console.print(f"replay sends {cost} calls ({len(bundles)} bundles x {times} tries) to {hosts}, "
                      f"retries and health probes apart; budget {budget}")
    shared = Budget(budget)  # one budget for the whole replay, whatever the targets
    outcomes = []
    for where, group in groups.items():
        # `local`: a reference server with a fresh key, so a key clause's bundle is judged for real.
        with opened(where, group[0].request["profile"], api_key, shared, timeout, patience,
                    say=lambda line: console.print(f"  {line}")) as session:
            for b in group:
                done = replay(b, session.client, times)
                click.echo(done.line())  # one line per bundle, never wrapped: greppable
                outcomes.append(done)
    code = exit_code(outcomes)
    console.print(f"{len(outcomes)} bundles: " + ", ".join(
        f"{sum(o.outcome == k for o in outcomes)} {k}" for k in (FIXED, STILL_FAILING, FLAKY, INCONCLUSIVE)
        if any(o.outcome == k for o in outcomes)) + f"; {shared.spent} calls, {shared.billable} billable")
    sys.exit(code)
