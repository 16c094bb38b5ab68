"""``upscale-conformance goldens record|check|review|approve|history|revert``: perceptual goldens from the
command line.

Exit codes: 0 ok, 1 a regression failed (or a record could not be made), 2 usage error,
3 inconclusive (target unreachable, rate limited, or the call budget ran out).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .. import goldens as gs
from ..client import Budget, UpscaleClient
from ..client.secret import Secret
from ..client.target import is_local
from ..contract import Profile, is_sandbox_key, load_profile
from ..errors import ContractError, NoAnswer
from ..records.header import tool_name
from ..verdicts import FAIL
from .options import GOLDEN_TARGET_HELP, PROFILE, golden_target_option, needs_key, opened, target_options

console = Console()
STATUS_STYLE = {"pass": "green", "warn": "yellow", "fail": "red", "missing": "red", "error": "red",
                "created": "green", "updated": "yellow", "unchanged": "dim", "differs": "yellow"}


@click.group("goldens")
def goldens_group() -> None:
    """Record perceptual goldens from a trusted target, then check targets against them.

    A golden is a small JSON (hashes, band energies, sha256) plus small PNGs under
    GOLDEN_DIR/<target>/<profile>/<mode-and-model>/; no full-size output is stored.
    """


def _combos(ctx, param, values: tuple[str, ...]) -> list[gs.Combo] | None:
    try:
        return [gs.Combo.parse(v) for v in values] or None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


GOLDEN_DIR = click.option(
    "--golden-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Golden store (default: fixtures/goldens in the checkout, else ./goldens; `check` falls back to the "
         "shipped goldens when it holds none for the target). The same store for every goldens command and `run`.")


def common_options(fn: Callable) -> Callable:
    options = [
        target_options("target", "profile",
                       target={"default": "local", "show_default": True,
                               "help": "`local` starts the reference server in-process; otherwise the target's "
                                       "base URL."}),
        GOLDEN_DIR,
        click.option("--golden-target", default=None, callback=golden_target_option, help=GOLDEN_TARGET_HELP),
        click.option("--inputs", "inputs_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Input images (default: the shipped fixtures/inputs)."),
        click.option("--mode", "combos", multiple=True, callback=_combos,
                     help="Only this mode-and-model, e.g. ai.fast+ai-upscale-2025-07-29 (repeatable; default: all)."),
        target_options("api_key", "budget",
                       budget={"help": "Most requests to send (default: unlimited locally, one per planned call "
                                       "otherwise)."}),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


class Setup:
    """Everything a record or check run needs, resolved from the options (usage errors exit 2)."""

    def __init__(self, target: str, profile: Profile, golden_dir: Path | None, golden_target: str | None,
                 inputs_dir: Path | None, combos: list[gs.Combo] | None, api_key: Secret, budget: int | None,
                 recording: bool = False):
        self.target = target
        self.profile = profile
        try:
            self.inputs = gs.list_inputs(inputs_dir)
        except ContractError as exc:
            raise click.UsageError(str(exc)) from None
        if not self.inputs:
            raise click.UsageError(f"no input images in {inputs_dir or gs.default_inputs_dir()}")
        self.combos = combos or gs.combos_for(self.profile)
        self.pairs = gs.plan(self.inputs, self.profile, self.combos)
        self.key = needs_key(target, api_key)
        sandbox = is_sandbox_key(self.key.reveal())
        self.slug = gs.golden_target_for(target, golden_target, sandbox=sandbox)
        # Recording writes to the user's store; checking reads it, or the shipped goldens when it has none.
        self.golden_dir = Path(golden_dir) if golden_dir else (
            gs.default_golden_dir() if recording else gs.golden_dir_to_read(self.slug, self.profile.id))
        if sandbox:
            console.print(f"sandbox key: answers carry the vendor's watermark; goldens are kept apart under "
                          f"{self.slug!r}", highlight=False)
        # Recording sends one more answer per mode and model to learn whether the target samples;
        # if it does, every input is sampled twice so the golden knows the target's own spread.
        fewest, most = gs.record_calls(self.pairs) if recording else (len(self.pairs), len(self.pairs))
        planned = f"{fewest} planned calls" if fewest == most else (
            f"{fewest} planned calls ({most} if the target's answers vary from run to run)")
        if is_local(target):  # loopback: calls cost nothing, so nothing is capped unless asked
            self.budget = budget
        else:
            self.budget = most if budget is None else budget
            console.print(f"{target}: {planned}, at most {self.budget} requests "
                          "(each successful call is billable)", highlight=False)
            if self.budget < fewest:
                console.print(f"[yellow]the budget is below the {fewest} planned calls: "
                              "the run will stop when it is spent[/]")
        self.calls = Budget(self.budget)

    @contextlib.contextmanager
    def client(self) -> Iterator[UpscaleClient]:
        """A client on the target; ``local`` starts and stops the reference server (in this process) around it.
        The user's key goes to that server too: a sandbox key's answers carry the watermark there as well."""
        with opened(self.target, self.profile, self.key, self.calls, local_key=self.key or None) as session:
            yield session.client

    def bill(self) -> str:
        """What the run cost: against the paid API, the billable count is the bill."""
        return f"{self.calls.spent} calls, {self.calls.billable} billable"

    def source(self) -> dict[str, str]:
        where = "in-process reference server" if self.target == "local" else self.target
        return {"target": self.slug, "url": where, "profile": self.profile.id,
                "tool": tool_name()}


@contextlib.contextmanager
def _progress(total: int, verb: str) -> Iterator[Callable[[str], None]]:
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(verb, total=total)
        started = [False]

        def step(label: str) -> None:
            if started[0]:
                progress.advance(task)
            started[0] = True
            progress.update(task, description=escape(f"{verb} {label}"))

        yield step


def _inconclusive(exc: Exception, setup: Setup) -> None:
    console.print(f"[yellow]inconclusive[/] {exc}; {setup.bill()}", highlight=False)
    sys.exit(3)


def _print_unused(unused: list[Path], deleted: list[Path], root: Path) -> None:
    if not unused:
        return
    label = "deleted" if deleted else "unused (no input uses them any more; --update deletes them)"
    console.print(f"[yellow]{len(unused)} golden file(s) {label}:[/]")
    for path in unused:
        console.print(f"  {escape(str(path.relative_to(root) if path.is_relative_to(root) else path))}",
                      highlight=False)


@goldens_group.command("record")
@common_options
@click.option("--update", is_flag=True, help="Rewrite goldens whose answer changed; delete unused ones.")
def record_cmd(target, profile, golden_dir, golden_target, inputs_dir, combos, api_key, budget, update) -> None:
    """Record goldens from TARGET (only what is missing, or with --update what changed)."""
    setup = Setup(target, profile, golden_dir, golden_target, inputs_dir, combos, api_key, budget, recording=True)
    try:
        with setup.client() as client, _progress(len(setup.pairs), "recording") as step:
            report = gs.record(client, setup.inputs, setup.golden_dir, setup.slug, setup.profile, setup.combos,
                               update=update, source=setup.source(), progress=step)
    except NoAnswer as exc:
        _inconclusive(exc, setup)
    for outcome in report.outcomes:
        if outcome.action != "unchanged":
            style = STATUS_STYLE.get(outcome.action, "")
            detail = outcome.message or (", ".join(outcome.changed) if outcome.action == "updated" else "")
            console.print(f"[{style}]{outcome.action:9}[/] {escape(outcome.key.describe())}  {escape(detail)}",
                          highlight=False)
    counts = ", ".join(f"{report.count(a)} {a}" for a in ("created", "updated", "unchanged", "differs", "error")
                       if report.count(a))
    console.print(f"goldens in {setup.golden_dir / setup.slug / setup.profile.id}: {counts}; {setup.bill()}",
                  highlight=False)
    varying = sorted(slug for slug, n in report.samples.items() if n > 1)
    why = (f"one answer per input plus {report.probes} determinism probe(s)" if not varying else
           f"answers vary run to run for {', '.join(varying)}: {report.extra_samples} extra sample(s) measured "
           "the spread that checks will allow")
    console.print(f"cost: {why}", highlight=False)
    _print_unused(report.unused, report.deleted, setup.golden_dir)
    if report.count("differs"):
        console.print("[yellow]some answers differ from their goldens; pass --update to rewrite them[/]")
    sys.exit(1 if report.count("error") else 0)


@goldens_group.command("check")
@common_options
@click.option("--export-format", default=None, help="Ask for this export.format (goldens are recorded as PNG).")
@click.option("--diff-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/goldens"),
              show_default=True, help="Where diff images of warnings and failures are written.")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="When answers differ, their candidates go to REPORT_DIR/<timestamp>/goldens/ "
                                      "(REPORT_DIR/latest points to it) for `goldens review` and `goldens approve`.")
def check_cmd(target, profile, golden_dir, golden_target, inputs_dir, combos, api_key, budget, export_format,
              diff_dir, report_dir) -> None:
    """Check TARGET against its goldens: a regression verdict (warn/fail thresholds from
    contracts/perceptual.yaml) and a portable, golden-free verdict for every input and mode."""
    setup = Setup(target, profile, golden_dir, golden_target, inputs_dir, combos, api_key, budget)
    if not gs.GoldenStore(setup.golden_dir).files(setup.slug, setup.profile.id):
        raise click.UsageError(f"no goldens for target {setup.slug!r}, profile {setup.profile.id!r} in "
                               f"{setup.golden_dir}; record them first with `goldens record`")
    try:
        thresholds = gs.load_thresholds()
    except ContractError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        with setup.client() as client, _progress(len(setup.pairs), "checking") as step:
            report = gs.check(client, setup.inputs, setup.golden_dir, setup.slug, setup.profile, setup.combos,
                              thresholds=thresholds, export_format=export_format, progress=step)
    except NoAnswer as exc:
        _inconclusive(exc, setup)
    console.print(_check_table(report, diff_dir))
    console.print(f"{report.count('pass')} pass, {report.count('warn')} warn, {report.count('fail')} fail "
                  f"(thresholds: {thresholds.path}); {setup.bill()}", highlight=False)
    _print_unused(report.unused, [], setup.golden_dir)
    differing = [c for c in report.checks if c.candidate is not None]
    if differing:
        from ..goldens import candidates
        from ..running.runner import new_report_dir

        folder = new_report_dir(report_dir)
        for c in differing:
            candidates.keep(folder, c, setup.golden_dir, thresholds)
        console.print(f"{len(differing)} candidate(s) kept in {folder}; see them with "
                      f"`upscale-conformance goldens review {folder}`", highlight=False)
    sys.exit(1 if report.count("fail") else 0)


def _check_table(report: gs.CheckReport, diff_dir: Path) -> Table:
    table = Table(title="Perceptual goldens")
    for col in ("input", "mode", "regression", "portable", "evidence"):
        table.add_column(col, overflow="fold")
    for c in report.checks:
        reg = c.regression
        style = STATUS_STYLE.get(reg.status, "")
        portable = "-" if c.portable is None else ("ok" if c.portable.ok else f"[yellow]{c.portable.defect}[/]")
        evidence = reg.message if reg.status != "pass" else ("identical" if reg.identical else "")
        if c.portable is not None and not c.portable.ok:
            evidence = (evidence + "; " if evidence else "") + c.portable.message
        if c.diff_png:
            path = diff_dir / c.key.target / c.key.profile / c.key.combo.slug / f"{c.key.stem}.diff.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(c.diff_png)
            evidence += f" (diff: {path})"
        table.add_row(escape(c.key.input_name), escape(c.key.combo.slug), f"[{style}]{reg.status}[/]", portable,
                      escape(evidence))
    return table


# --- review, approve, history, revert: a vendor change seen, approved on purpose, kept in history -----------

REPORT_ARG = click.argument("report_dir", type=click.Path(file_okay=False, path_type=Path),
                            default=Path("reports/latest"), required=False)


def _report(report_dir: Path) -> Path:
    from ..goldens.candidates import VERDICTS

    if not (report_dir / VERDICTS).is_dir():
        raise click.UsageError(f"{report_dir}: no golden candidates (a run or `goldens check` keeps them when "
                               "answers differ from their goldens)")
    return report_dir.resolve()


def _thresholds() -> gs.Thresholds:
    try:
        return gs.load_thresholds()
    except ContractError as exc:
        raise click.UsageError(str(exc)) from None


@goldens_group.command("review")
@REPORT_ARG
def review_cmd(report_dir: Path) -> None:
    """Write REPORT_DIR/review.html (default: reports/latest): each answer that differs from its golden beside
    it, grouped by mode and model and by how it moved, with the group ids `approve --group` takes."""
    from ..report.review import write_review

    page, grouped = write_review(_report(report_dir), _thresholds())
    for g in grouped:
        console.print(f"{g.id}  {escape(g.label)}", highlight=False)
        for c in g.members:
            console.print(f"    {escape(c.id)}", highlight=False, soft_wrap=True)
    console.print(f"review: {page}", highlight=False)


def _other_failures(report_dir: Path) -> list[str]:
    """Clauses the run failed besides PERCEPTUAL-*: a baseline taken from such a run may be a broken answer."""
    import json

    summary = report_dir / "summary.json"
    if not summary.is_file():
        return []  # a `goldens check` folder: no other clause was judged
    clauses = json.loads(summary.read_text(encoding="utf-8")).get("clauses", {})
    return sorted(cid for cid, c in clauses.items() if c.get("verdict") == FAIL and not cid.startswith("PERCEPTUAL-"))


def _matches(wanted: tuple[str, ...], key: gs.GoldenKey) -> bool:
    from ..goldens.candidates import input_id

    return not wanted or any(w in (input_id(key), key.input_name, key.stem) for w in wanted)


@goldens_group.command("approve")
@REPORT_ARG
@click.option("--all", "everything", is_flag=True, help="Every candidate of the report.")
@click.option("--group", "group_ids", multiple=True, help="The candidates of this group (an id review.html shows).")
@click.option("--input", "inputs", multiple=True,
              help="This candidate: <mode-and-model>/<input file>, or an input file (every mode). Repeatable.")
@click.option("--reason", required=True, help="Why this change is accepted; kept in the golden's provenance.")
@click.option("--force", is_flag=True, help="Approve even from a run whose other clauses failed.")
@GOLDEN_DIR
def approve_cmd(report_dir, everything, group_ids, inputs, reason, force, golden_dir) -> None:
    """Write the report's candidates as the new goldens, each with its provenance; the goldens they
    replace are kept in the store's history (`goldens history`, `goldens revert`)."""
    import datetime as dt

    from ..goldens import candidates as cs
    from ..goldens import history

    if not (everything or group_ids or inputs):
        raise click.UsageError("say what to approve: --all, --group G or --input ID")
    if not reason.strip():
        raise click.UsageError("--reason must say why")
    report_dir = _report(report_dir)
    failed = _other_failures(report_dir)
    if failed and not force:
        console.print(f"[red]refused[/]: the run also failed {', '.join(failed)}; its answers are no baseline "
                      "(pass --force to approve anyway)", highlight=False)
        sys.exit(1)
    found = cs.load(report_dir)
    grouped = cs.groups(found, _thresholds())
    unknown = sorted(set(group_ids) - {g.id for g in grouped})
    if unknown:
        raise click.UsageError(f"no group {', '.join(unknown)} in {report_dir} (groups: "
                               f"{', '.join(g.id for g in grouped) or 'none'})")
    chosen = found if everything else [c for g in grouped if g.id in group_ids for c in g.members]
    chosen += [c for c in found if inputs and _matches(inputs, c.key) and c not in chosen]
    if not chosen:
        raise click.UsageError(f"no candidate matches {', '.join(inputs)} in {report_dir}")
    provenance = {"run": report_dir.name, "report": str(report_dir),
                  "at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
                  "reason": reason, "tool": tool_name()}
    for c in chosen:
        root = Path(golden_dir) if golden_dir else Path(c.verdict["golden_dir"])
        kept = history.approve(root, c, provenance)
        was = f"previous baseline kept as history {kept}" if kept else "no previous baseline"
        console.print(f"[green]approved[/] {escape(c.id)} into {escape(str(root))} ({was})", highlight=False)


def _history_setup(golden_dir, golden_target, profile) -> tuple[Path, str, str]:
    profile = profile or load_profile(None)
    target = golden_target or "local"
    return Path(golden_dir) if golden_dir else gs.default_golden_dir(), target, profile.id


def _history_options(fn: Callable) -> Callable:
    for option in reversed([
        GOLDEN_DIR,
        click.option("--golden-target", default=None, callback=golden_target_option,
                     help="Whose goldens (default: local)."),
        click.option("--profile", type=PROFILE, default=None, help="Contract profile name or path."),
        click.option("--input", "inputs", multiple=True,
                     help="Only this golden: <mode-and-model>/<input file>, or an input file (every mode)."),
    ]):
        fn = option(fn)
    return fn


@goldens_group.command("history")
@_history_options
def history_cmd(golden_dir, golden_target, profile, inputs) -> None:
    """List each golden's baselines, current first, with their provenance (recorded or approved, and why)."""
    from ..goldens import candidates as cs
    from ..goldens import history

    root, target, profile_id = _history_setup(golden_dir, golden_target, profile)
    keys = [k for k in history.keys(root, target, profile_id) if _matches(inputs, k)]
    if not keys:
        raise click.UsageError(f"no goldens for {target!r}, profile {profile_id!r} in {root}")
    for key in keys:
        console.print(f"[bold]{escape(cs.input_id(key))}[/]", highlight=False)
        for b in history.baselines(root, key):
            console.print(f"  {b.label:11} {escape(history.provenance_of(b.golden))}", highlight=False)


@goldens_group.command("revert")
@_history_options
def revert_cmd(golden_dir, golden_target, profile, inputs) -> None:
    """Go back one baseline: the newest history entry becomes the golden again (the current one is kept)."""
    from ..goldens import candidates as cs
    from ..goldens import history

    root, target, profile_id = _history_setup(golden_dir, golden_target, profile)
    keys = [k for k in history.keys(root, target, profile_id) if _matches(inputs, k)]
    reverted = 0
    for key in keys:
        back = history.revert(root, key)
        if back is not None:
            reverted += 1
            console.print(f"reverted {escape(cs.input_id(key))} to history {back}", highlight=False)
    if not reverted:
        raise click.UsageError(f"nothing to revert: no history for {', '.join(inputs) or 'any golden'} in {root}")
