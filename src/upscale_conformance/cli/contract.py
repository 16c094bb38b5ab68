"""``upscale-conformance contract show|validate``: the contract as tables, and its cross-checks."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table

from ..contract import available_profiles, load_clauses, load_profile, validate_contract
from .options import PROFILE

console = Console()


@click.group("contract")
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
