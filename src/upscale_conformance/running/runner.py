"""``upscale-conformance run``: start the target if local, run the suites, print and write the verdict.

Exit codes: 0 conformant, 1 a must clause failed, 2 usage error, 3 inconclusive.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import KW_ONLY, dataclass, field, replace
from pathlib import Path

import pytest
from rich.console import Console

from ..contract import Profile, is_sandbox_key, suites_dir
from ..errors import NoAnswer
from ..records import files
from ..records.header import public_target
from ..report import write_html
from ..report.summary import print_table, stamped_folder, write_summary
from ..session import DEFAULT_VENDOR_BUDGET as DEFAULT_VENDOR_BUDGET  # run's default, named where run is
from ..session import Secret
from .planning import Plan, dry_run

console = Console()


def new_report_dir(root: Path) -> Path:
    folder = stamped_folder(root)
    latest = root / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    latest.symlink_to(folder.name)
    return folder


@contextmanager
def _api_key_env(key: str | None):
    """The key reaches the plugin through the environment, never through argv or a report."""
    old = os.environ.get("PHOTOROOM_API_KEY")
    if key:
        os.environ["PHOTOROOM_API_KEY"] = key
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PHOTOROOM_API_KEY", None)
        else:
            os.environ["PHOTOROOM_API_KEY"] = old


@dataclass
class RunSettings:
    """One run, as the command line asked for it (the key stays out of every printed form)."""

    target: str
    profile: Profile
    _: KW_ONLY  # everything else by name: sixteen positional values could not be told apart at a call site
    economy: bool
    golden_target: str
    budget: int | None = None
    quick: bool = False
    api_key: Secret | None = field(default=None, repr=False)  # the user's (a `local` run's server has its own)
    cache: Path | None = None
    extra: tuple[str, ...] = ()
    timeout: float | None = None  # seconds for one whole answer (None: the plugin's default)
    allow_negative: bool = False  # the hostile-input group in economy too
    patience: float | None = None  # seconds to wait for a target that is down (None: the plugin's default)
    deadline: float | None = None  # seconds the whole run may take (None: the plugin's default per depth; 0: none)
    known_failures: Path | None = None  # the YAML file of accepted failures (history/known.py)
    golden_dir: Path | None = None  # the golden store (None: the plugin's default)
    hypothesis_db: Path | None = None  # Hypothesis's example database: failing examples tried first next run

    @property
    def sandbox(self) -> bool:
        return is_sandbox_key(self.api_key.reveal() if self.api_key else None)

    def suite_options(self) -> list[str]:
        """The options a planning run and the real run share: what is sent depends on these only."""
        args = ["--upscale-economy", "1" if self.economy else "0", "--upscale-golden-target", self.golden_target]
        if self.quick:
            args += ["--upscale-quick", "1"]
        if self.allow_negative:
            args += ["--upscale-allow-negative", "1"]
        if self.golden_dir is not None:  # which inputs have goldens decides what the perceptual suite sends
            args += ["--upscale-golden-dir", str(Path(self.golden_dir).resolve())]
        return args + list(self.extra)


def pytest_args(url: str, settings: RunSettings, report: Path) -> list[str]:
    args = [str(suites_dir()), "-q", "--upscale-target", url, "--upscale-profile", settings.profile.path,
            "--upscale-summary", str(report / "summary.json"), "--junitxml", str(report / "junit.xml"),
            "--alluredir", str(report / "allure-results"), "-o", "junit_family=xunit2",
            "-p", "no:cacheprovider", "--tb=line", "--assert=plain", "-W", "ignore::DeprecationWarning",
            "-W", "ignore::pytest.PytestAssertRewriteWarning",
            # Only sys streams are captured: the client's "waiting for ..." lines (written to fd 2) reach the
            # terminal while a test waits on the target.
            "--capture=sys"]
    if settings.budget is not None:
        args += ["--upscale-budget", str(settings.budget)]
    if settings.cache is not None:
        args += ["--upscale-cache", str(settings.cache)]
    if settings.timeout is not None:
        args += ["--upscale-timeout", str(settings.timeout)]
    if settings.patience is not None:
        args += ["--upscale-patience", str(settings.patience)]
    if settings.deadline is not None:
        args += ["--upscale-deadline", str(settings.deadline)]
    if settings.known_failures is not None:
        args += ["--upscale-known-failures", str(settings.known_failures)]
    if settings.hypothesis_db is not None:  # the real run only: the plan's dry run must not read or fill it
        args += ["--upscale-hypothesis-db", str(settings.hypothesis_db.resolve())]
    return args + settings.suite_options()


def make_plan(settings: RunSettings) -> Plan:
    with console.status("planning: the suites against the reference server, nothing sent to the target"):
        return dry_run(settings.suite_options(), settings.profile, settings.sandbox)


def run_suites(settings: RunSettings, report: Path, plan: Plan | None = None) -> int:
    """Run the suites once, writing into the folder ``report`` (see :func:`new_report_dir`), and return the
    exit code; the local server lives exactly as long as the run."""
    from ..session import open_session

    # The suites build their own session in pytest (the plugin); this one keeps the local server, started in a
    # child process, for exactly as long as the run, and resolves the key the plugin is handed.
    try:
        session = open_session(settings.target, settings.profile, settings.api_key, settings.budget,
                               server="subprocess")
    except NoAnswer as exc:  # the reference server did not start: nothing to judge
        console.print(f"[yellow]inconclusive[/] {exc}", highlight=False)
        return 3
    with session, _api_key_env(session.key.reveal()):
        if session.local:
            console.print(f"reference server ({settings.profile.id}) on {session.url}")
        else:
            cap = ("no cap (loopback: calls cost nothing)" if settings.budget is None
                   else f"at most [bold]{settings.budget}[/] calls")
            console.print(f"target {session.url}: {cap}; only successful calls are billable on the vendor")
        if settings.sandbox:
            console.print("sandbox key: the vendor watermarks its answers; pixel checks allow for it, and goldens "
                          f"are kept apart under {settings.golden_target!r}", highlight=False)
        pytest_exit = pytest.main(pytest_args(session.url, settings, report))
    summary_path = report / "summary.json"
    if not summary_path.is_file():
        console.print(f"[red]no summary was written (pytest exit {pytest_exit})[/]")
        return 2 if pytest_exit in (pytest.ExitCode.USAGE_ERROR, 4) else 3
    record = files.read(summary_path)
    # The plugin saw the local server's URL; the file says `local`, as the user asked (the results store
    # groups runs by target: a port number of the moment would make every local run a target of its own).
    record.header = replace(record.header, target=public_target(settings.target))
    if plan is not None:
        record.planned = {"calls": plan.calls, "billable": plan.billable}
    write_summary(record, summary_path)
    summary = record.to_dict()
    print_table(summary, console)
    if plan is not None:
        console.print(f"planned {plan.calls} calls ({plan.billable} billable), spent {summary['calls_spent']} "
                      f"({summary.get('calls_billable', 0)} billable)", highlight=False)
    page = write_html(report)
    console.print(f"report: {page}  (summary: {summary_path.name}; latest: {report.parent / 'latest'})")
    return int(summary["exit_code"])
