"""``upscale-conformance replay BUNDLE|REPORT_DIR``: the front door of :mod:`upscale_conformance.replay`.

Exit codes: 0 every bundle FIXED, 1 one STILL FAILING or FLAKY, 2 usage error, 3 one could not be concluded.
"""

from __future__ import annotations

import contextlib
import secrets
import sys
from pathlib import Path
from urllib.parse import urlparse

import click
from rich.console import Console

from ..client.health import DEFAULT_PATIENCE
from ..client.target import DEFAULT_TIMEOUT, is_local
from .options import api_key_flag, parse_target, timeout_option

console = Console(highlight=False)


@click.command("replay")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--target", default=None, callback=lambda c, p, v: v and parse_target(c, p, v),
              help="`local` starts the reference server; otherwise a base URL (default: each bundle's own target).")
@click.option("--times", type=click.IntRange(min=1), default=3, show_default=True,
              help="Tries per bundle: FIXED needs every try clean, FLAKY is some of each.")
@click.option("--api-key", default=None, callback=api_key_flag,
              help="API key (default: $PHOTOROOM_API_KEY, the safer way). Never printed.")
@click.option("--budget", type=click.IntRange(min=0), default=None,
              help="Most requests to send, retries and health probes included (default: unlimited for `local` and "
                   "loopback addresses, otherwise as `run`).")
@click.option("--timeout", type=float, default=None, callback=timeout_option,
              help=f"Seconds to wait for one whole answer (default: {DEFAULT_TIMEOUT:g}).")
@click.option("--patience", type=float, default=None, callback=timeout_option,
              help=f"Seconds to wait for a target that is down (default: {DEFAULT_PATIENCE:g}).")
@click.option("--export-pytest", "export", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Send nothing: write a pytest module, one test per bundle, with the bundles copied beside it "
                   "(FILE_STEM_bundles/); it runs under plain pytest with the plugin's --upscale-target.")
def replay_cmd(path, target, times, api_key, budget, timeout, patience, export) -> None:
    """Send each bundle's request again and judge the answer with the same check and arguments.

    PATH is one bundle (bundles/<clause>-<n>/) or a report folder (its bundles/). Prints per bundle
    FIXED (clean on every try), STILL FAILING (with the new measurement) or FLAKY (some tries fail).
    Exit: 0 all fixed, 1 anything still failing or flaky, 2 usage error, 3 could not conclude.
    """
    from ..client import Budget, Secret, UpscaleClient
    from ..client.guard import bounds_for
    from ..client.health import TargetHealth
    from ..contract import load_profile
    from ..replay import export_pytest, find_bundles, load_bundle
    from ..replay.engine import exit_code, replay
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
    key = Secret.from_sources(api_key)
    paid = [t for t in groups if t != "local" and not is_local(t)]
    cost = len(bundles) * times
    if paid:
        if not key:
            raise click.UsageError(f"{', '.join(paid)} is not local: replay needs --api-key or PHOTOROOM_API_KEY")
        budget = budget if budget is not None else max(DEFAULT_VENDOR_BUDGET, cost)
        hosts = ", ".join(urlparse(t).netloc for t in paid)
        console.print(f"replay sends {cost} calls ({len(bundles)} bundles x {times} tries) to {hosts}, "
                      f"retries and health probes apart; budget {budget}")
    shared = Budget(budget)  # one budget for the whole replay, whatever the targets
    outcomes = []
    for where, group in groups.items():
        with _target(where, group[0].request["profile"]) as (url, local_key):
            profile = load_profile(group[0].request["profile"])
            client = UpscaleClient(url, local_key or key, shared, timeout=timeout or DEFAULT_TIMEOUT,
                                   bounds=bounds_for(profile), say=lambda line: console.print(f"  {line}"),
                                   health=TargetHealth(patience or DEFAULT_PATIENCE))
            with client:
                for b in group:
                    done = replay(b, client, times)
                    click.echo(done.line())  # one line per bundle, never wrapped: greppable
                    outcomes.append(done)
    code = exit_code(outcomes)
    console.print(f"{len(outcomes)} bundles: " + ", ".join(
        f"{sum(o.outcome == k for o in outcomes)} {k}" for k in ("FIXED", "STILL FAILING", "FLAKY", "INCONCLUSIVE")
        if any(o.outcome == k for o in outcomes)) + f"; {shared.spent} calls, {shared.billable} billable")
    sys.exit(code)


@contextlib.contextmanager
def _target(target: str, profile: str):
    """The base URL to send to, and the key the reference server pins when ``target`` is `local`."""
    if target != "local":
        yield target, None
        return
    from ..client import Secret
    from ..server import serve_in_thread

    key = "local-" + secrets.token_hex(8)  # a fresh key, so a key clause's bundle is judged for real
    with serve_in_thread(profile=profile, api_key=key) as url:
        yield str(url), Secret(key)
