"""What the ``goldens`` subcommands share: their options, the job a record or check resolves to, the
progress bar, and the lines they print alike."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ... import goldens as gs
from ...errors import ContractError
from ..options import GOLDEN_TARGET_HELP, golden_target_option, needs_key, target_options

console = Console()
STATUS_STYLE = {"pass": "green", "warn": "yellow", "fail": "red", "missing": "red", "error": "red",
                "created": "green", "updated": "yellow", "unchanged": "dim", "differs": "yellow"}


def _combos(ctx, param, values: tuple[str, ...]) -> list[gs.Combo] | None:
    try:
        return [gs.Combo.parse(v) for v in values] or None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


GOLDEN_DIR = click.option(
    "--golden-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Golden store (default: fixtures/goldens in the checkout, else ./goldens; `check` falls back to the "
         "shipped goldens when it holds none for the target). The same store for every goldens command and `run`.")

REPORT_ARG = click.argument("report_dir", type=click.Path(file_okay=False, path_type=Path),
                            default=Path("reports/latest"), required=False)


def common_options(fn: Callable) -> Callable:
    """The options of `record` and `check`: the target and what of it to record or check."""
    options = [
        target_options("target", "profile",
                       target={"default": "local", "show_default": True,
                               "help": "`local` starts the reference server in-process; otherwise the target's "
                                       "base URL."}),
        GOLDEN_DIR,
        click.option("--golden-target", default=None, callback=golden_target_option, help=GOLDEN_TARGET_HELP),
        click.option("--inputs", "inputs_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Input images (default: the shipped fixtures/inputs)."),
        click.option("--mode", "combos", multiple=True, callback=_combos,
                     help="Only this mode-and-model, e.g. ai.fast+ai-upscale-2025-07-29 (repeatable; default: all)."),
        target_options("api_key", "budget",
                       budget={"help": "Most requests to send (default: unlimited locally, one per planned call "
                                       "otherwise)."}),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def usage_errors(fn: Callable, *args, **kwargs):
    """``fn(...)``, its refusals of what was asked (``goldens.job.GoldensUsage``, a bad contract or inputs
    file) as usage errors (exit 2)."""
    from ...goldens.job import GoldensUsage

    try:
        return fn(*args, **kwargs)
    except (GoldensUsage, ContractError) as exc:
        raise click.UsageError(str(exc)) from None


def job(target, profile, golden_dir, golden_target, inputs_dir, combos, api_key, budget, recording: bool = False):
    """The record or check run the options ask for (usage errors exit 2), said before anything is sent, and the
    key it sends (``session.key_for``'s: a loopback target given none gets the one `serve` accepts)."""
    from ...goldens.job import prepare

    found = usage_errors(prepare, target, profile, api_key, golden_dir=golden_dir, golden_target=golden_target,
                         inputs_dir=inputs_dir, combos=combos, budget=budget, recording=recording)
    key = needs_key(target, api_key)
    for line in found.said:
        console.print(line, highlight=False)
    if found.warning:
        console.print(f"[yellow]{found.warning}[/]")
    return found, key


@contextlib.contextmanager
def progress(total: int, verb: str) -> Iterator[Callable[[str], None]]:
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(verb, total=total)
        started = [False]

        def step(label: str) -> None:
            if started[0]:
                bar.advance(task)
            started[0] = True
            bar.update(task, description=escape(f"{verb} {label}"))

        yield step


def inconclusive(exc: Exception, bill: str) -> None:
    console.print(f"[yellow]inconclusive[/] {exc}; {bill}", highlight=False)
    sys.exit(3)


def print_unused(unused: list[Path], deleted: list[Path], root: Path) -> None:
    if not unused:
        return
    label = "deleted" if deleted else "unused (no input uses them any more; --update deletes them)"
    console.print(f"[yellow]{len(unused)} golden file(s) {label}:[/]")
    for path in unused:
        console.print(f"  {escape(str(path.relative_to(root) if path.is_relative_to(root) else path))}",
                      highlight=False)


def thresholds() -> gs.Thresholds:
    return usage_errors(gs.load_thresholds)
