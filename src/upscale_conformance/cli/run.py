"""``upscale-conformance run``: the front door of :mod:`upscale_conformance.running.runner`.

Exit codes: 0 conformant, 1 a must clause failed, 2 usage error, 3 inconclusive.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..client.health import DEFAULT_DEADLINE, DEFAULT_PATIENCE
from ..client.target import DEFAULT_TIMEOUT, is_local
from ..contract import is_sandbox_key
from ..goldens.keys import golden_target_for
from ..history.recording import record
from ..running.planning import print_plan
from ..running.runner import DEFAULT_VENDOR_BUDGET, RunSettings, console, make_plan, new_report_dir, run_suites
from .options import (
    GOLDEN_TARGET_HELP,
    deadline_option,
    golden_target_option,
    history_option,
    known_failures_option,
    needs_key,
    reached,
    target_options,
)


@click.command("run")
@target_options("target", "api_key", "profile", "budget", "timeout", "patience",
                target={"default": "local", "show_default": True},
                budget={"help": f"Most requests the run may send (default: unlimited for `local` and loopback "
                                f"addresses; otherwise {DEFAULT_VENDOR_BUDGET}, or the plan if it is larger)."},
                timeout={"help": f"Seconds to wait for one whole answer (default: {DEFAULT_TIMEOUT:g}). One that "
                                 "times out is not repeated (it may have been billed); a known-good request then "
                                 "tells whether the target is down."},
                patience={"help": f"Seconds to wait for a target that is down (503, 502, 504, refused, no answer, "
                                  f"and a known-good request fails the same way) before the run ends inconclusive "
                                  f"(default: {DEFAULT_PATIENCE:g}; 0: not at all). While it is down nothing is "
                                  "sent but a probe now and then."})
@click.option("--golden-target", default=None, callback=golden_target_option, help=GOLDEN_TARGET_HELP)
@click.option("--golden-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Golden store the perceptual suite reads (as `goldens record|check|approve`; default: "
                   "fixtures/goldens in the checkout, else ./goldens, else the shipped goldens).")
@click.option("--quick", is_flag=True, help="Fewer examples; every clause at least once (CI smoke).")
@click.option("--deadline", callback=deadline_option, type=click.STRING, metavar="SECONDS",
              help=f"Seconds the whole run may take (default: {DEFAULT_DEADLINE['quick']:g} with --quick, else "
                   f"{DEFAULT_DEADLINE['full']:g}; 0: none). Past it nothing more is sent; what was not judged is "
                   "INCONCLUSIVE and the run ends exit 3 with what it judged.")
@click.option("--economy/--no-economy", default=None,
              help="Spend as on a paid target: every call serves a verdict, none is repeated (default: on for "
                   "any host but `local` and loopback addresses).")
@click.option("--allow-negative", is_flag=True,
              help="Send the hostile-input group (ROB-*: malformed, truncated, oversized requests) in economy too, "
                   "i.e. to a paid target, where it is off by default. Errors cost nothing on the vendor; only the "
                   "inputs that may be valid after all are billed if answered 200 (the plan counts them).")
@click.option("--plan", "plan_only", is_flag=True,
              help="Send nothing: print the calls each clause needs (free and billable) and what --budget reaches.")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Where reports/<timestamp>/ is written.")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Replay answers to unchanged requests from this folder (a re-run costs nothing for them).")
@click.option("--known-failures", type=click.Path(dir_okay=False, path_type=Path), default=None,
              callback=known_failures_option,
              help="A YAML file of accepted failures (docs/history.md, \"Known failures\"): a clause whose every "
                   "failing finding it names, unexpired, is KNOWN and does not fail the run.")
@click.option("--hypothesis-db", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep Hypothesis's failing examples in this folder and try them first in the next run (a CI "
                   "cache or a developer's checkout); off by default. The derandomized profiles stay so.")
@history_option
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def run(target, api_key, profile, budget, quick, economy, allow_negative, plan_only, report_dir, cache, golden_target,
        timeout, patience, deadline, known_failures, history_url, golden_dir, hypothesis_db, pytest_args) -> None:
    """Run the conformance suites against TARGET and print a verdict per clause.

    Extra arguments after `--` go to pytest (e.g. `-- -k limits -n 2`).
    Exit: 0 conformant, 1 a must clause failed, 2 usage error, 3 inconclusive.
    """
    if not plan_only:  # a plan sends nothing, so it needs no key, and the target need not be there
        needs_key(target, api_key)
        reached(target)  # a wrong URL ends here, in seconds and one line (exit 2), not as an outage
    paid = not is_local(target)  # calls to any other host may cost money
    settings = RunSettings(
        target, profile, budget=budget, quick=quick, economy=paid if economy is None else economy,
        golden_target=golden_target_for(target, golden_target, sandbox=is_sandbox_key(api_key.reveal())),
        api_key=api_key, cache=cache, extra=tuple(pytest_args), timeout=timeout,
        allow_negative=allow_negative, patience=patience, deadline=deadline, known_failures=known_failures,
        golden_dir=golden_dir, hypothesis_db=hypothesis_db)
    plan = make_plan(settings) if (plan_only or settings.economy) else None
    if plan is not None:
        print_plan(plan, budget if budget is not None else (DEFAULT_VENDOR_BUDGET if paid else None), console)
    if plan_only:
        sys.exit(0)
    if budget is None and paid:  # a default run never stops for a budget of our own choosing
        settings.budget = max(DEFAULT_VENDOR_BUDGET, plan.calls if plan else 0)
    report = new_report_dir(report_dir)
    code = run_suites(settings, report, plan)
    if (report / "summary.json").is_file():
        record(report / "summary.json", history_url)
    sys.exit(code)
