"""``upscale-conformance run``: start the target if local, run the suites, print and write the verdict.

Exit codes: 0 conformant, 1 a must clause failed, 2 usage error, 3 inconclusive.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

import click
import pytest
from rich.console import Console

from .cli import GOLDEN_TARGET_HELP, PROFILE, cli, golden_target_option, parse_target
from .contract import Profile, load_profile, suites_dir
from .plugin import is_local
from .reporting import print_table

DEFAULT_VENDOR_BUDGET = 200
console = Console()


def new_report_dir(root: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = root / stamp
    n = 1
    while folder.exists():  # two runs in one second keep both reports
        folder = root / f"{stamp}-{n}"
        n += 1
    folder.mkdir(parents=True)
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


def pytest_args(target: str, profile: Profile, report: Path, budget: int | None, quick: bool,
                extra: tuple[str, ...] = (), golden_target: str | None = None, cache: Path | None = None) -> list[str]:
    args = [str(suites_dir()), "-q", "--upscale-target", target, "--upscale-profile", profile.path,
            "--upscale-summary", str(report / "summary.json"), "--junitxml", str(report / "junit.xml"),
            "--alluredir", str(report / "allure-results"), "-o", "junit_family=xunit2",
            "-p", "no:cacheprovider", "--tb=line", "--assert=plain", "-W", "ignore::DeprecationWarning",
            "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    if budget is not None:
        args += ["--upscale-budget", str(budget)]
    if cache is not None:
        args += ["--upscale-cache", str(cache)]
    if golden_target:
        args += ["--upscale-golden-target", golden_target]
    if quick:
        args += ["--upscale-quick", "1"]
    return args + list(extra)


def run_suites(target: str, profile: Profile, report_root: Path, budget: int | None, quick: bool,
               api_key: str | None, extra: tuple[str, ...] = (), cache: Path | None = None,
               golden_target: str | None = None) -> int:
    """Run the suites once and return the exit code; the local server lives exactly as long as the run."""
    report = new_report_dir(report_root)
    with ExitStack() as stack:
        if target == "local":
            from .server import serve_in_subprocess

            api_key = "local-" + secrets.token_hex(8)
            url = stack.enter_context(serve_in_subprocess(profile=profile.path, api_key=api_key))
            console.print(f"reference server ({profile.id}) on {url}")
        else:
            url = target
            cap = "no cap (loopback: calls cost nothing)" if budget is None else f"at most [bold]{budget}[/] calls"
            console.print(f"target {url}: {cap}; only successful calls are billable on the vendor")
        # The local server runs on a random port, but its goldens are the reference server's.
        golden_target = golden_target or ("local" if target == "local" else None)
        stack.enter_context(_api_key_env(api_key))
        pytest_exit = pytest.main(pytest_args(url, profile, report, budget, quick, extra, golden_target=golden_target,
                                              cache=cache))
    summary_path = report / "summary.json"
    if not summary_path.is_file():
        console.print(f"[red]no summary was written (pytest exit {pytest_exit})[/]")
        return 2 if pytest_exit in (pytest.ExitCode.USAGE_ERROR, 4) else 3
    summary = json.loads(summary_path.read_text())
    summary["target"] = "local" if target == "local" else target
    print_table(summary, console)
    console.print(f"report: {summary_path}  (latest: {report.parent / 'latest'})")
    return int(summary["exit_code"])


@cli.command("run")
@click.option("--target", default="local", show_default=True, callback=parse_target,
              help="`local` starts the reference server; otherwise the base URL of the implementation.")
@click.option("--api-key", default=None, help="API key (default: $PHOTOROOM_API_KEY). Never printed.")
@click.option("--profile", type=PROFILE, default=None, help="Contract profile name or path.")
@click.option("--budget", type=click.IntRange(min=0), default=None,
              help=f"Most requests the run may send (default: unlimited for `local` and loopback addresses, "
                   f"{DEFAULT_VENDOR_BUDGET} otherwise).")
@click.option("--golden-target", default=None, callback=golden_target_option, help=GOLDEN_TARGET_HELP)
@click.option("--quick", is_flag=True, help="Fewer examples; every clause at least once (CI smoke).")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Where reports/<timestamp>/ is written.")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Replay answers to unchanged requests from this folder (a re-run costs nothing for them).")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def run(target, api_key, profile, budget, quick, report_dir, cache, golden_target, pytest_args) -> None:
    """Run the conformance suites against TARGET and print a verdict per clause.

    Extra arguments after `--` go to pytest (e.g. `-- -k limits -n 2`).
    Exit: 0 conformant, 1 a must clause failed, 2 usage error, 3 inconclusive.
    """
    from .secret import Secret

    profile = profile or load_profile(None)
    key = Secret.from_sources(api_key)
    if target != "local" and not key:
        raise click.UsageError("a non-local target needs --api-key or PHOTOROOM_API_KEY")
    if budget is None and not is_local(target):  # calls to any other host may cost money
        budget = DEFAULT_VENDOR_BUDGET
    sys.exit(run_suites(target, profile, report_dir, budget, quick, key.reveal() or None, tuple(pytest_args),
                        cache=cache, golden_target=golden_target))
