"""The root command group. Each command is defined in a module of this package that knows nothing of
the group; this module alone adds them, so a front door never imports the group that registers it."""

from __future__ import annotations

import importlib
import sys

import click
from rich.console import Console

from .. import __version__
from ..errors import ConformanceError

console = Console()

# name -> (module of this package, the command in it), in the order `--help` lists them. A command's module is
# imported only when that command runs: every test and CI job starts this program many times, and importing all
# ten front doors (the server's web framework, the monitor's strategies) cost most of a second each start.
COMMANDS = {
    "run": ("run", "run"),
    "replay": ("replay", "replay_cmd"),
    "goldens": ("goldens", "goldens_group"),
    "contract": ("contract", "contract"),
    "monitor": ("monitor", "monitor_cmd"),
    "serve": ("serve", "serve"),
    "selfcheck": ("selfcheck", "selfcheck"),
    "report": ("report", "report"),
    "load": ("load", "load"),
    "history": ("history", "history_group"),
}


def load_command(name: str) -> click.Command:
    module, attribute = COMMANDS[name]
    command = getattr(importlib.import_module(f".{module}", __package__), attribute)
    if name == "contract" and "diff" not in command.commands:
        from .monitor import contract_diff  # `contract diff` lives with the monitor that uses the same diff

        command.add_command(contract_diff)
    return command


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name) if cmd_name in COMMANDS else None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="upscale-conformance")
def cli() -> None:
    """Conformance suite for Photoroom's AI Upscale (POST /v2/edit, upscale.mode=ai.fast|ai.slow).

    Point it at the real API or at any local re-implementation; it tells, clause by clause,
    whether the implementation keeps the contract in contracts/.
    """



def main() -> None:
    try:
        cli(standalone_mode=True)
    except ConformanceError as exc:
        console.print(f"[red]error[/red] {exc}", highlight=False)
        sys.exit(2)
