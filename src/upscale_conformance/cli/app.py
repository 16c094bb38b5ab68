"""The root command group. Each command is defined in a module of this package that knows nothing of
the group; this module alone adds them, so a front door never imports the group that registers it."""

from __future__ import annotations

import sys

import click
from rich.console import Console

from .. import __version__
from ..errors import ConformanceError
from .contract import contract
from .goldens import goldens_group
from .history import history_group
from .load import load
from .monitor import contract_diff, monitor_cmd
from .replay import replay_cmd
from .report import report
from .run import run
from .selfcheck import selfcheck
from .serve import serve

console = Console()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="upscale-conformance")
def cli() -> None:
    """Conformance suite for Photoroom's AI Upscale (POST /v2/edit, upscale.mode=ai.fast|ai.slow).

    Point it at the real API or at any local re-implementation; it tells, clause by clause,
    whether the implementation keeps the contract in contracts/.
    """


for command in (run, replay_cmd, goldens_group, contract, monitor_cmd, serve, selfcheck, report, load,
                history_group):
    cli.add_command(command)
contract.add_command(contract_diff)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except ConformanceError as exc:
        console.print(f"[red]error[/red] {exc}", highlight=False)
        sys.exit(2)
