"""``goldens history`` and ``goldens revert``: each golden's baselines, and going back one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from rich.markup import escape

from ..options import PROFILE, golden_target_option
from .shared import GOLDEN_DIR, console


def _history_options(fn: Callable) -> Callable:
    for option in reversed([
        GOLDEN_DIR,
        click.option("--golden-target", default=None, callback=golden_target_option,
                     help="Whose goldens (default: local)."),
        click.option("--profile", type=PROFILE, default=None, help="Contract profile name or path."),
        click.option("--input", "inputs", multiple=True,
                     help="Only this golden: <mode-and-model>/<input file>, or an input file (every mode)."),
    ]):
        fn = option(fn)
    return fn


def _store(golden_dir, golden_target, profile) -> tuple[Path, str, str]:
    """The golden store, whose goldens (default: local) and the profile's id (default: the default profile)."""
    from ... import goldens as gs
    from ...contract import load_profile

    profile = profile or load_profile(None)
    return Path(golden_dir) if golden_dir else gs.default_golden_dir(), golden_target or "local", profile.id


@click.command("history")
@_history_options
def history_cmd(golden_dir, golden_target, profile, inputs) -> None:
    """List each golden's baselines, current first, with their provenance (recorded or approved, and why)."""
    from ...goldens import history
    from ...goldens.candidates import input_id

    root, target, profile_id = _store(golden_dir, golden_target, profile)
    keys = history.keys(root, target, profile_id, inputs)
    if not keys:
        raise click.UsageError(f"no goldens for {target!r}, profile {profile_id!r} in {root}")
    for key in keys:
        console.print(f"[bold]{escape(input_id(key))}[/]", highlight=False)
        for b in history.baselines(root, key):
            console.print(f"  {b.label:11} {escape(history.provenance_of(b.golden))}", highlight=False)


@click.command("revert")
@_history_options
def revert_cmd(golden_dir, golden_target, profile, inputs) -> None:
    """Go back one baseline: the newest history entry becomes the golden again (the current one is kept)."""
    from ...goldens import history
    from ...goldens.candidates import input_id

    root, target, profile_id = _store(golden_dir, golden_target, profile)
    reverted = history.revert_each(root, target, profile_id, inputs)
    for key, back in reverted:
        console.print(f"reverted {escape(input_id(key))} to history {back}", highlight=False)
    if not reverted:
        raise click.UsageError(f"nothing to revert: no history for {', '.join(inputs) or 'any golden'} in {root}")
