"""``upscale-conformance load``: the contract under concurrent traffic (the front door of :mod:`..load`).

Exit codes: 0 every answer kept the contract, 1 a violation under load, 2 usage error, 3 inconclusive.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..client.target import DEFAULT_TIMEOUT, is_local
from ..history.recording import record
from ..load import LOAD_PATIENCE
from ..report.summary import stamped_folder
from .options import Usage, history_option, needs_key, opened, target_options


def _pixels(ctx, param, value: str) -> tuple[int, int]:
    from ..load.mix import parse_pixels

    try:
        return parse_pixels(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("load")
@target_options("target", "api_key", "profile", "budget", "timeout", "patience",
                target={"required": True, "help": "Base URL of the implementation, or `local` for a reference "
                                                  "server of this run's own."},
                profile={"help": "Contract profile name or path (limits, formats)."},
                budget={"help": "Most requests the run may send (needed with --duration against a paid target)."},
                timeout={"default": DEFAULT_TIMEOUT, "show_default": True, "help": "Seconds to wait for one answer."},
                patience={"default": LOAD_PATIENCE, "show_default": True,
                          "help": "Seconds to wait for a target that is down (a 502/503/504 or no answer, and a "
                                  "known-good request failing too) before its requests end inconclusive."})
@click.option("--concurrency", type=click.IntRange(1, 10_000), default=8, show_default=True,
              help="Requests in flight at once (Locust users).")
@click.option("--requests", "requests_", type=click.IntRange(1), default=None,
              help="Send this many requests, then stop (default 200 unless --duration).")
@click.option("--duration", type=click.IntRange(1), default=None, help="Send requests for this many seconds.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Local Locust worker processes (each runs its share of the users).")
@click.option("--remote-workers", type=click.IntRange(0, 1000), default=0, show_default=True,
              help="Act as a Locust master and wait for this many workers from other machines "
                   "(see README, `load` across machines).")
@click.option("--pixels", default="0.25-1MP", show_default=True, callback=_pixels,
              help="Input sizes, LO-HI in pixels or megapixels (clamped to each mode's limit).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the generated pictures.")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Where reports/load-<timestamp>/ is written.")
@history_option
def load(target, api_key, profile, concurrency, requests_, duration, budget, workers, remote_workers, pixels, seed,
         timeout, patience, report_dir, history_url) -> None:
    """Send a mix of valid requests (both modes, the model header, PNG/JPEG/WebP in, every export format)
    at a given concurrency, and judge every answer against the contract: exactly 4x of that request's
    input, that request's picture, documented errors, no 5xx. 429s are counted, not violations.

    Exit: 0 kept, 1 a contract violation under load, 2 usage error, 3 inconclusive.
    """
    from ..load.launch import LOCUSTFILE, LoadSettings, run_load

    if requests_ is not None and duration is not None:
        raise click.UsageError("give --requests or --duration, not both (--budget caps a duration)")
    if max(workers, remote_workers) > concurrency:
        raise click.UsageError(f"--concurrency {concurrency} leaves some of the workers without a user: "
                               "give at least one user per worker")
    if budget == 0:
        raise Usage("--budget 0 leaves load nothing to send")
    needs_key(target, api_key)
    paid = not is_local(target)
    if paid and requests_ is None and budget is None:
        raise click.UsageError(f"{target} may bill every call: give --requests N or --budget N, the most calls "
                               "this run may send")
    if duration is None and requests_ is None:
        requests_ = 200
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.UsageError(f"--report-dir {report_dir}: {exc.strerror or exc}") from None
    cap = min(n for n in (requests_, budget) if n is not None) if (requests_ or budget) else None
    # Locust's workers are processes of their own, each with its own client (load/locustfile.py): the session
    # here starts a `local` server in a child process and settles the key they are handed.
    with opened(target, profile, api_key, cap, timeout, patience, server="subprocess") as session:
        settings = LoadSettings(session.url, profile, concurrency=concurrency, requests=cap, duration=duration,
                                workers=workers, remote_workers=remote_workers, pixels=pixels, seed=seed,
                                timeout=timeout, patience=patience, api_key=session.key,
                                name="local" if session.local else "")
        if session.local:
            click.echo(f"reference server ({profile.id}) on {session.url}")
        spend = f"at most {cap} calls" if cap else f"for {duration} s, no cap (loopback: calls cost nothing)"
        click.echo(f"load on {settings.target}: {concurrency} in flight, {spend}"
                   + ("; every call is counted, only 200s are billable on the vendor" if paid else ""))
        if remote_workers:
            click.echo(f"waiting for {remote_workers} worker(s): on each, PHOTOROOM_API_KEY=... python -m locust "
                       f"-f {LOCUSTFILE} --worker --master-host "
                       "<this machine>")
        out = stamped_folder(report_dir, "load-")
        code = run_load(settings, report_dir, click.echo, out)
    record(out / "load.json", history_url)
    sys.exit(code)
