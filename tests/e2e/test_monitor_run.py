"""`upscale-conformance monitor` end to end against reference servers: a baseline, narrowed and
widened limits, planted faults, another port, and the exits for bad input and spent budgets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support import cli
from upscale_conformance.monitor.discover import CAP
from upscale_conformance.records import files
from upscale_conformance.server import Faults, serve_in_thread

KEY = "sk_test_monitor_0123456789"


def monitor(out: Path, *args: str, child: bool = False) -> tuple[int, dict, str]:
    """Run the command with the key in the environment, as a user sets it: in a child process
    (``child``: the installed command, exit status and all), else in this process (no start-up cost)."""
    ran = (cli.cli if child else cli.invoke)("monitor", "--out", str(out), *args, key=KEY)
    code, output = ran.code, ran.output
    path = out / "record.json"
    rec = json.loads(path.read_text()) if path.is_file() else {}
    assert KEY not in output and (not path.is_file() or KEY not in path.read_text())
    assert not rec or files.problems("record.json", rec) == []  # every record.json keeps its schema
    return code, rec, output


def discovery_calls(output: str) -> dict[str, int]:
    return {m: int(n) for m, n in re.findall(r"^(ai\.\w+): .*discovery (\d+) calls", output, re.M)}


def drift_lines(output: str, severity: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(severity.upper())]


@pytest.fixture(scope="module")
def pixel_baseline(tmp_path_factory):
    """A record of the reference server under pixel-budget-2026, and that server's URL."""
    with serve_in_thread("pixel-budget-2026", KEY) as url:
        out = tmp_path_factory.mktemp("baseline")
        code, rec, output = monitor(out, "--target", url, child=True)
        assert code == 0, output
        yield url, out / "record.json", rec, output


def test_a_baseline_record_holds_the_limits_found_by_search(pixel_baseline):
    _url, path, rec, output = pixel_baseline
    assert rec["limits"]["ai.fast"]["finding"]["max_pixels"] == 1_000_000
    assert rec["limits"]["ai.slow"]["finding"]["max_pixels"] == 262_144
    assert all(rec["limits"][m]["finding"]["exact"] for m in ("ai.fast", "ai.slow"))
    calls = discovery_calls(output)
    assert set(calls) == {"ai.fast", "ai.slow"} and max(calls.values()) <= CAP
    assert "error answers cost nothing on the vendor" in output
    spent, billable = rec["cost"]["spent"], rec["cost"]["billable"]
    assert output.rstrip().endswith(f"{spent} calls, {billable} billable") and 0 < billable < spent
    assert (path.parent / "digest.md").read_text().startswith("# AI Upscale monitor")
    assert rec["model_header"]["switches"] and all(e["scale_ok"] for e in rec["fixed"])


def test_narrowed_limits_are_breaking_and_the_widening_back_is_notable(pixel_baseline, local_server, tmp_path):
    pixels_url, baseline, _rec, _out = pixel_baseline
    per_axis = local_server("per-axis-2025", api_key=KEY)
    code, narrowed, output = monitor(tmp_path / "per-axis", "--target", per_axis, "--baseline", str(baseline))
    assert code == 1, output
    breaking = drift_lines(output, "breaking")
    for mode, old, new in (("ai.fast", "1,000,000 pixels", "1000x1000 per axis"),
                           ("ai.slow", "262,144 pixels", "512x512 per axis")):
        assert any(f"limit      {mode}: {old} -> {new} (narrower; changed kind" in b for b in breaking), output
    assert max(discovery_calls(output).values()) <= CAP
    assert narrowed["limits"]["ai.fast"]["finding"]["kind"] == "per_axis"

    code, _widened, output = monitor(tmp_path / "back", "--target", pixels_url, "--baseline",
                                     str(tmp_path / "per-axis" / "record.json"))
    assert code == 0, output
    assert drift_lines(output, "breaking") == []
    notable = drift_lines(output, "notable")
    for mode, old, new in (("ai.fast", "1000x1000 per axis", "1,000,000 pixels"),
                           ("ai.slow", "512x512 per axis", "262,144 pixels")):
        assert any(f"limit      {mode}: {old} -> {new} (wider" in n for n in notable), output
    assert max(discovery_calls(output).values()) <= CAP


@pytest.mark.parametrize(("faults", "named"), [
    (Faults(limit_offset=1), ["limit      ai.fast: 1,000,000 pixels -> neither a pixel budget nor a per-axis bound",
                              "limit      ai.slow: 262,144 pixels -> neither a pixel budget nor a per-axis bound"]),
    (Faults(ignore_model_header=True), ["model      header: ai-upscale-2025-07-29 stopped switching",
                                        "perceptual ai.fast+ai-upscale-2025-07-29"]),
], ids=repr)
def test_a_planted_fault_is_breaking_drift_named(pixel_baseline, local_server, tmp_path, faults, named):
    url = local_server("pixel-budget-2026", api_key=KEY, faults=faults)
    code, _rec, output = monitor(tmp_path, "--target", url, "--baseline", str(pixel_baseline[1]))
    assert code == 1, output
    breaking = drift_lines(output, "breaking")
    for words in named:
        assert any(words in b for b in breaking), output


def test_the_same_server_on_another_port_is_not_drift(pixel_baseline, local_server, tmp_path):
    url = local_server("pixel-budget-2026", api_key=KEY, fresh=True)
    assert url != pixel_baseline[0]
    code, rec, output = monitor(tmp_path, "--target", url, "--baseline", str(pixel_baseline[1]))
    assert code == 0, output
    assert drift_lines(output, "breaking") == []
    assert rec["target"] == url and "drift from the baseline: 0 breaking" in output


def test_a_spent_budget_is_inconclusive_never_drift(pixel_baseline, local_server, tmp_path):
    per_axis = local_server("per-axis-2025", api_key=KEY)  # would be breaking drift if judged
    code, rec, output = monitor(tmp_path, "--target", per_axis, "--baseline", str(pixel_baseline[1]),
                                "--budget", "3")
    assert code == 3, output
    assert "call budget of 3 spent" in rec["inconclusive"] and "drift" not in rec
    assert output.rstrip().endswith("3 calls, 2 billable")  # the first call, then 1001x1001 (no), 1000x1000


def test_a_usage_error_from_the_installed_command_is_one_line(tmp_path):
    code, _rec, output = monitor(tmp_path, "--target", "http://127.0.0.1:9", "--baseline", str(tmp_path / "nope.json"),
                                 child=True)
    assert code == 2
    assert output.strip() == f"Error: {tmp_path / 'nope.json'}: baseline file not found"


def test_a_budget_spent_after_both_limits_still_judges_them(pixel_baseline, local_server, tmp_path):
    per_axis = local_server("per-axis-2025", api_key=KEY)
    # The first call and 6 + 6 for the two searches fit in 14; the probes after them do not all fit.
    code, rec, output = monitor(tmp_path, "--target", per_axis, "--baseline", str(pixel_baseline[1]),
                                "--budget", "14")
    assert code == 1, output
    assert rec["inconclusive"] is None and "call budget of 14 spent" in rec["partial"]
    assert len(drift_lines(output, "breaking")) == 2 and "partial" in output
    assert output.rstrip().endswith("14 calls, 4 billable")  # 1 first call, 2 squares, 1 probe
