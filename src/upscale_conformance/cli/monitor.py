"""``upscale-conformance monitor`` and ``upscale-conformance contract diff``: vendor-change monitoring.

monitor exits 0 (no breaking drift), 1 (breaking drift from --baseline), 2 (usage error, one
line), 3 (inconclusive: unreachable, rate limited, budget spent, key refused). contract diff
exits 1 when a change at or above --fail-on was found, 2 on a file it cannot read, else 0.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from ..client import Budget
from ..errors import ConformanceError
from ..monitor.plan import DEFAULT_BUDGET, spending
from .options import Usage, history_option, needs_key, opened, target_options

console = Console(soft_wrap=True, highlight=False)
STYLE = {"breaking": "red", "notable": "yellow"}


@click.command("monitor")
@target_options("target", "api_key", "budget", "profile",
                target={"required": True, "help": "Base URL of the implementation, or `local` for the reference "
                                                  "server."},
                api_key={"help": "API key (default: $PHOTOROOM_API_KEY, the safer way: a flag lands in shell "
                                 "history). Never printed or recorded."},
                budget={"help": f"Most requests to send (default: none on loopback, {DEFAULT_BUDGET} otherwise)."},
                profile={"help": "Profile whose limits start the search when there is no baseline (and served "
                                 "by `local`)."})
@click.option("--baseline", default=None, help="A previous record.json: classify every difference from it.")
@click.option("--out", "out_dir", default=None, help="Folder for record.json and digest.md "
              "(default: reports/monitor/<timestamp>).")
@history_option
def monitor_cmd(target, api_key, budget, baseline, out_dir, profile, history_url) -> None:
    """Probe TARGET's AI Upscale behaviour (limits by search, 4x, errors, model header, formats,
    perceptual signatures, latency), write record.json and digest.md, and with --baseline report
    drift as breaking or notable. Exit: 0 no breaking drift, 1 breaking, 2 usage, 3 inconclusive."""
    from ..history.recording import record as record_run
    from ..monitor import record, run  # on use: the monitor's modules load scipy (startup of every command)
    from ..monitor.finish import finish
    from ..running.runner import new_report_dir

    try:
        base = record.load_record(Path(baseline)) if baseline else None
    except ConformanceError as exc:
        raise Usage(str(exc)) from None
    needs_key(target, api_key)
    spend = spending(target, budget)
    console.print(spend.said)
    if spend.warning:
        console.print(f"[yellow]{spend.warning}[/]")
    calls = Budget(spend.limit)
    rec = record.new_body(run.now(), run.hints_for(profile, base), calls.limit)
    with opened(target, profile, api_key, calls) as session, console.status("monitor: starting") as status:
        run.monitor(session.client, rec, progress=lambda text: status.update(f"monitor: {escape(text)}"),
                    say=lambda text: console.print(escape(text)))
    try:
        done = finish(rec, base, lambda: Path(out_dir) if out_dir else new_report_dir(Path("reports") / "monitor"),
                      target, profile.id)
    except ConformanceError as exc:  # a baseline this record cannot be compared with
        raise Usage(str(exc)) from None
    for d in done.drift or []:
        console.print(f"[{STYLE[d.severity]}]{escape(d.line())}[/]")
    if done.drift is not None:
        counts = done.counts()
        console.print(f"drift from the baseline: {counts['breaking']} breaking, {counts['notable']} notable "
                      "(the target's URL is not compared)")
    console.print(f"record: {done.path}  digest: {done.digest}")
    if rec["inconclusive"]:
        console.print(f"[yellow]inconclusive[/] {escape(rec['inconclusive'])}")
    elif rec.get("partial"):
        console.print(f"[yellow]partial[/] {escape(rec['partial'])}: the probes not run are not compared")
    console.print(f"{rec['cost']['spent']} calls, {rec['cost']['billable']} billable")
    record_run(done.path, history_url)
    sys.exit(done.code)


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--fail-on", type=click.Choice(["breaking", "notable", "none"]), default="breaking",
              show_default=True, help="Exit 1 when a change at or above this level is found.")
def contract_diff(old, new, fail_on) -> None:
    """Compare two versions of the vendor's OpenAPI document (JSON or YAML) on what AI Upscale
    depends on: modes, downscaleIfNeeded, export formats, the model header, error schemas and the
    limits stated in prose. Prints a changelog and, when limits changed, the matching profile."""
    from ..monitor import docdiff

    try:
        before, after = docdiff.read_facts(Path(old)), docdiff.read_facts(Path(new))
    except ConformanceError as exc:
        raise Usage(str(exc)) from None
    changes = docdiff.diff(before, after)
    console.print(f"contract diff {escape(old)} ({before.version}) -> {escape(new)} ({after.version}): "
                  f"{len(changes)} change(s) for AI Upscale (breaking, or notable: non-breaking)")
    for c in changes:
        console.print(f"[{STYLE[c.severity]}]{escape(c.line())}[/]")
    suggestion = docdiff.suggest_profile(before, after, changes)
    if suggestion:
        console.print(escape(suggestion))
    levels = {"breaking": ("breaking",), "notable": ("breaking", "notable"), "none": ()}[fail_on]
    sys.exit(1 if any(c.severity in levels for c in changes) else 0)

