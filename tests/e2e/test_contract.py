"""`upscale-conformance contract` as a user runs it: `show` prints the limits and clauses, `validate`
exits 1 on a pin to an unknown clause, a broken profile is one line and exit 2 with no traceback, and
`--help` lists the commands."""

from __future__ import annotations

from tests.support import cli
from tests.support.contracts import replace_once
from upscale_conformance.contract import (
    validate_contract,
)

# contract_copy points $UPSCALE_CONTRACTS_DIR at the broken copy; the command inherits the environment.


def test_broken_profile_on_the_command_line_is_one_line_and_exit_2(contract_copy):
    replace_once(contract_copy / "profiles" / "per-axis-2025.yaml", "max_width: 512, ", "")
    out = cli.cli("contract", "show", "--profile", "per-axis-2025")
    assert out.code == 2
    assert "per-axis-2025.yaml" in out.output and "modes.ai.slow.limit.max_width" in out.output
    assert "Traceback" not in out.output


def test_validate_catches_a_pin_to_an_unknown_clause(contract_copy):
    replace_once(contract_copy / "profiles" / "pixel-budget-2026.yaml", "pins: {}",
          "pins: {NO-SUCH-CLAUSE: {statuses: [400]}, DIM-4X: {statuses: [200]}}")
    problems = validate_contract()
    assert any("pins.NO-SUCH-CLAUSE: no such clause" in p for p in problems)
    assert any("pins.DIM-4X: only observe clauses" in p for p in problems)
    out = cli.cli("contract", "validate")
    assert out.code == 1 and "NO-SUCH-CLAUSE" in out.output


def test_contract_show_prints_limits_and_clauses():
    out = cli.cli("contract", "show")  # the installed command: its table is as wide as the terminal it is given
    assert out.code == 0, out.output
    assert "1,000,000 pixels" in out.output and "262,144 pixels" in out.output
    assert "LIMIT-FAST-EDGE" in out.output and "DIM-4X" in out.output
    out = cli.cli("contract", "show", "--profile", "per-axis-2025")
    assert "1000x1000 per axis" in out.output and "512x512 per axis" in out.output


def test_help_lists_the_commands():
    out = cli.cli("--help")
    assert out.code == 0 and "contract" in out.output

