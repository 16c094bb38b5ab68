"""``upscale-conformance serve``: run the reference server in the foreground."""

from __future__ import annotations

import click

from ..client.target import LOOPBACK_KEY
from ..contract import load_profile
from ..server.app import ENV_API_KEY
from ..server.faults import ENV_VAR as ENV_FAULTS
from ..server.faults import Faults
from ..server.runner import run_server
from .options import PROFILE


def planted_faults(names: str | None, faults: Faults) -> Faults:
    """``faults`` with the named catalog entries' faults laid over it (later names win on a clash)."""
    from ..selfcheck.catalog import by_name  # only when asked: the catalog is a testing tool

    wanted = [n.strip() for n in (names or "").split(",") if n.strip()]
    for entry in by_name(wanted):
        changed = {f: getattr(entry.faults, f) for f in entry.faults.__dataclass_fields__
                   if getattr(entry.faults, f) != getattr(Faults(), f)}
        faults = faults.replace(**changed)
    return faults


def _list_faults(ctx, _param, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from ..selfcheck.catalog import CATALOG

    for entry in CATALOG:
        click.echo(f"{entry.name:28} {entry.kind:10} {entry.description}")
    ctx.exit(0)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 picks a free one (the URL is printed).")
@click.option("--profile", "profile", type=PROFILE, default=None,
              help="Contract profile name or path (default: the default profile, pixel-budget-2026).")
@click.option("--api-key", envvar=ENV_API_KEY, default=None, show_envvar=True,
              help=f"Accept only this x-api-key (default: {LOOPBACK_KEY!r}, the key `run` sends to a loopback "
                   "target given none, so `serve` then `run --target http://127.0.0.1:PORT` works as is).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1),
              help="Worker processes (each counts its own requests in /health).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
# Hidden: a broken server is a testing tool (selfcheck), never something to deploy by accident.
@click.option("--fault", "fault_names", default=None, hidden=True, metavar="NAME[,NAME]",
              help="Plant these selfcheck catalog faults (needs --i-know-this-is-broken).")
@click.option("--i-know-this-is-broken", "broken_ok", is_flag=True, hidden=True,
              help="Confirm that --fault makes this server break the contract on purpose.")
@click.option("--list-faults", is_flag=True, expose_value=False, is_eager=True, callback=_list_faults,
              hidden=True, help="List the selfcheck catalog's faults and exit.")
def serve(host: str, port: int, profile, api_key: str | None, workers: int, log_level: str,
          fault_names: str | None, broken_ok: bool) -> None:
    """Serve POST /v2/edit and GET /health: a classical stand-in that keeps the whole contract.

    The seed's curl commands work against it with the URL changed to http://HOST:PORT/v2/edit.
    """
    profile = profile or load_profile(None)
    try:
        faults = Faults.from_env()
    except (TypeError, ValueError) as exc:
        raise click.UsageError(f"${ENV_FAULTS}: {exc}") from None
    if fault_names and not broken_ok:
        raise click.UsageError("--fault plants a deliberately broken server; add --i-know-this-is-broken "
                               "if that is what you want (see --list-faults)")
    try:
        faults = planted_faults(fault_names, faults)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if faults.active:
        click.echo(f"warning: faults planted for testing, this server breaks the contract: {faults}", err=True)
    if not api_key:  # a key of the user's own is never printed; this one is no secret (client.target)
        api_key = LOOPBACK_KEY
        click.echo(f"accepting only x-api-key: {LOOPBACK_KEY} (what `run` sends to a loopback target given no key; "
                   "--api-key to choose another)", err=True)
    try:
        run_server(profile, host, port, api_key, workers, faults, log_level)
    except (ValueError, OSError) as exc:
        raise click.UsageError(str(exc)) from None
