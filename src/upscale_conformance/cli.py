"""The command line: ``upscale-conformance <command>``. Each command lives in its own module."""

from __future__ import annotations

import sys
from urllib.parse import urlparse

import click
from rich.console import Console
from rich.table import Table

from . import __version__
from .contract import available_profiles, load_clauses, load_profile, validate_contract
from .errors import ConformanceError
from .goldens.keys import golden_target_name

console = Console()


class ProfileType(click.ParamType):
    """A profile name or path; a bad profile is a usage error (exit 2) with a one-line message."""

    name = "profile"

    def convert(self, value, param, ctx):
        try:
            return load_profile(value)
        except ConformanceError as exc:
            self.fail(str(exc), param, ctx)


PROFILE = ProfileType()


def parse_target(ctx, param, value: str) -> str:
    """Click callback for --target: `local` or an http(s) base URL (a bad one is a usage error)."""
    if value == "local":
        return value
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise click.BadParameter(f"expected `local` or an http(s) base URL, got {value!r}")
    return value.rstrip("/")


def golden_target_option(ctx, param, value: str | None) -> str | None:
    """Click callback for --golden-target: a folder name under the golden store (bad: usage error)."""
    if value is None:
        return None
    try:
        return golden_target_name(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


GOLDEN_TARGET_HELP = ("Whose goldens: a name of your choice, so that goldens recorded from one target can be checked "
                      "against another (default: `local` for the reference server, else the target's host; the "
                      "port is never part of it).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="upscale-conformance")
def cli() -> None:
    """Conformance suite for Photoroom's AI Upscale (POST /v2/edit, upscale.mode=ai.fast|ai.slow).

    Point it at the real API or at any local re-implementation; it tells, clause by clause,
    whether the implementation keeps the contract in contracts/.
    """


@cli.group()
def contract() -> None:
    """Show or validate the contract (clauses, profiles, OpenAPI document)."""


@contract.command("show")
@click.option("--profile", "profile", type=PROFILE, default=None,
              help="Profile name or path (default: the default profile).")
def contract_show(profile) -> None:
    """Print the clauses and the limits of a profile as tables."""
    profile = profile or load_profile(None)
    clauses = load_clauses()
    limits = Table(title=f"Profile {profile.id}: {profile.title}")
    for col in ("mode", "limit", "largest accepted square", "auth statuses", "over-limit statuses"):
        limits.add_column(col)
    for mode, limit in profile.limits.items():
        side = limit.largest_square()
        limits.add_row(mode, limit.describe(), f"{side}x{side}",
                       ", ".join(map(str, profile.status("auth"))), ", ".join(map(str, profile.status("over_limit"))))
    console.print(limits)
    table = Table(title=f"Clauses ({len(clauses)})")
    for col in ("ID", "level", "suite", "promise"):
        table.add_column(col, overflow="fold")
    for clause in clauses.values():
        level = profile.level_of(clause)
        table.add_row(clause.id, level + (" (pinned)" if level != clause.level else ""), clause.group, clause.promise)
    console.print(table)
    console.print(f"Profiles available: {', '.join(available_profiles())}")


@contract.command("validate")
def contract_validate() -> None:
    """Check clauses.yaml, the profiles and the OpenAPI document against each other."""
    problems = validate_contract()
    for line in problems:
        console.print(f"[red]x[/red] {line}", highlight=False)
    if problems:
        sys.exit(1)
    console.print(f"contract valid: {len(load_clauses())} clauses, profiles {', '.join(available_profiles())}")


def _register_optional_commands() -> None:
    """Commands from other modules; each module adds itself to ``cli``."""
    from . import commands  # noqa: F401


def main() -> None:
    _register_optional_commands()
    try:
        cli(standalone_mode=True)
    except ConformanceError as exc:
        console.print(f"[red]error[/red] {exc}", highlight=False)
        sys.exit(2)
