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
from ..client.target import is_local
from ..errors import ConformanceError
from ..monitor.discover import CAP
from ..monitor.probes import PROBE_CALLS
from .options import Usage, history_option, needs_key, opened, target_options

console = Console(soft_wrap=True, highlight=False)
DEFAULT_BUDGET = 2 * CAP + PROBE_CALLS  # the whole plan: both searches at their cap, and every probe
STYLE = {"breaking": "red", "notable": "yellow"}


def _budget(target: str, budget: int | None) -> int | None:
    if is_local(target):
        note = "no cap (loopback: calls cost nothing)" if budget is None else f"at most {budget} calls"
        console.print(f"target {target}: {note}")
        return budget
    chosen = DEFAULT_BUDGET if budget is None else budget
    console.print(f"target {target}: at most {chosen} calls (the plan: limit search <= {CAP} per mode for 2 "
                  f"modes, {PROBE_CALLS} other probes; default {DEFAULT_BUDGET}). Only answers 200 are billable: "
                  "error answers cost nothing, and the limit search prefers probes the target refuses.")
    if chosen < DEFAULT_BUDGET:
        console.print(f"[yellow]the budget is below the {DEFAULT_BUDGET} calls the plan may need: the run may "
                      "end partial (some probes left out) or inconclusive (a limit not found)[/]")
    return chosen


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
    from ..monitor import record, run  # on use: the monitor's modules load scipy (startup of every command)

    try:
        base = record.load_record(Path(baseline)) if baseline else None
    except ConformanceError as exc:
        raise Usage(str(exc)) from None
    needs_key(target, api_key)
    calls = Budget(_budget(target, budget))
    rec = record.new_body(run.now(), run.hints_for(profile, base), calls.limit)
    with opened(target, profile, api_key, calls) as session, console.status("monitor: starting") as status:
        run.monitor(session.client, rec, progress=lambda text: status.update(f"monitor: {escape(text)}"),
                    say=lambda text: console.print(escape(text)))
    sys.exit(_finish(rec, base, out_dir, history_url, target, profile.id))


def _finish(rec: dict, base: dict | None, out_dir: str | None, history_url: str | None = None,
            target: str = "", profile: str = "") -> int:
    """Judge drift, write the record and the digest, print the verdict, record the run in the results store;
    returns the exit code."""
    from ..history.recording import record as into_history
    from ..monitor import compare, digest, record
    from ..report.pages import write_page

    drift = None
    if base is not None and not rec["inconclusive"]:
        try:
            drift = compare.compare(base, rec)
        except ConformanceError as exc:
            raise Usage(str(exc)) from None
        rec["drift"] = {"baseline_started": base.get("started"), "baseline_target": base.get("target"),
                        "items": [d.to_dict() for d in drift]}
    folder = Path(out_dir) if out_dir else _new_folder()
    code = 3 if rec["inconclusive"] else (1 if any(d.severity == "breaking" for d in drift or []) else 0)
    done = record.finished(rec, target, profile, code)
    path = record.write_record(done, folder)
    text = digest.digest(done.to_dict(), drift, base)
    (folder / "digest.md").write_text(text, encoding="utf-8")
    write_page(folder, f"monitor: {done.header.target}", code,
               {0: "no breaking drift", 1: "breaking drift from the baseline", 3: "inconclusive"}[code],
               ["severity", "what", "change"],
               [[d.severity, f"{d.area} {d.subject}", d.message] for d in drift or []], text)
    for d in drift or []:
        console.print(f"[{STYLE[d.severity]}]{escape(d.line())}[/]")
    if drift is not None:
        counts = {s: sum(1 for d in drift if d.severity == s) for s in ("breaking", "notable")}
        console.print(f"drift from the baseline: {counts['breaking']} breaking, {counts['notable']} notable "
                      "(the target's URL is not compared)")
    console.print(f"record: {path}  digest: {folder / 'digest.md'}")
    if rec["inconclusive"]:
        console.print(f"[yellow]inconclusive[/] {escape(rec['inconclusive'])}")
    elif rec.get("partial"):
        console.print(f"[yellow]partial[/] {escape(rec['partial'])}: the probes not run are not compared")
    console.print(f"{rec['cost']['spent']} calls, {rec['cost']['billable']} billable")
    into_history(path, history_url)
    return code


def _new_folder() -> Path:
    from ..running.runner import new_report_dir

    return new_report_dir(Path("reports") / "monitor")


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

