"""`upscale-conformance contract` as a user runs it: `show` prints the limits and clauses, `validate`
exits 1 on a pin to an unknown clause, a broken profile is one line and exit 2 with no traceback, and
`--help` lists the commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.contracts import replace_once
from upscale_conformance.contract import (
    validate_contract,
)

CLI = [sys.executable, "-m", "upscale_conformance"]


def test_broken_profile_on_the_command_line_is_one_line_and_exit_2(contract_copy):
    replace_once(contract_copy / "profiles" / "per-axis-2025.yaml", "max_width: 512, ", "")
    out = subprocess.run([*CLI, "contract", "show", "--profile", "per-axis-2025"],
                         capture_output=True, text=True, env=_env(contract_copy))
    assert out.returncode == 2
    assert "per-axis-2025.yaml" in out.stderr and "modes.ai.slow.limit.max_width" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout


def test_validate_catches_a_pin_to_an_unknown_clause(contract_copy):
    replace_once(contract_copy / "profiles" / "pixel-budget-2026.yaml", "pins: {}",
          "pins: {NO-SUCH-CLAUSE: {statuses: [400]}, DIM-4X: {statuses: [200]}}")
    problems = validate_contract()
    assert any("pins.NO-SUCH-CLAUSE: no such clause" in p for p in problems)
    assert any("pins.DIM-4X: only observe clauses" in p for p in problems)
    out = subprocess.run([*CLI, "contract", "validate"], capture_output=True, text=True,
                         env=_env(contract_copy))
    assert out.returncode == 1 and "NO-SUCH-CLAUSE" in out.stdout


def test_contract_show_prints_limits_and_clauses():
    out = subprocess.run([*CLI, "contract", "show"], capture_output=True, text=True,
                         env=_env(None, columns="200"))
    assert out.returncode == 0, out.stderr
    assert "1,000,000 pixels" in out.stdout and "262,144 pixels" in out.stdout
    assert "LIMIT-FAST-EDGE" in out.stdout and "DIM-4X" in out.stdout
    out = subprocess.run([*CLI, "contract", "show", "--profile", "per-axis-2025"], capture_output=True,
                         text=True, env=_env(None, columns="200"))
    assert "1000x1000 per axis" in out.stdout and "512x512 per axis" in out.stdout


def test_help_lists_the_commands():
    out = subprocess.run([*CLI, "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "contract" in out.stdout


def _env(contracts: Path | None, columns: str = "120") -> dict[str, str]:
    import os

    env = dict(os.environ, COLUMNS=columns)
    if contracts is not None:
        env["UPSCALE_CONTRACTS_DIR"] = str(contracts)
    return env
