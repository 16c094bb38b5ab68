"""Option types and callbacks the commands share: a bad value is a usage error (exit 2), never a traceback."""

from __future__ import annotations

from urllib.parse import urlparse

import click

from ..contract import load_profile
from ..errors import ConformanceError
from ..goldens.keys import golden_target_name


class ProfileType(click.ParamType):
    """A profile name or path; a bad profile is a usage error (exit 2) with a one-line message."""

    name = "profile"

    def convert(self, value, param, ctx):
        try:
            return load_profile(value)
        except ConformanceError as exc:
            self.fail(str(exc), param, ctx)


PROFILE = ProfileType()


def parse_target(ctx, param, value: str) -> str:
    """Click callback for --target: `local` or an http(s) base URL (a bad one is a usage error)."""
    if value == "local":
        return value
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise click.BadParameter(f"expected `local` or an http(s) base URL, got {value!r}")
    return value.rstrip("/")


def golden_target_option(ctx, param, value: str | None) -> str | None:
    """Click callback for --golden-target: a folder name under the golden store (bad: usage error)."""
    if value is None:
        return None
    try:
        return golden_target_name(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


GOLDEN_TARGET_HELP = ("Whose goldens: a name of your choice, so that goldens recorded from one target can be checked "
                      "against another (default: `local` for the reference server, else the target's host; the "
                      "port is never part of it).")


def api_key_flag(ctx, param, value: str | None) -> str | None:
    """Click callback for --api-key: it works, but a key typed on a command line lands in the shell's
    history (and, while the command runs, in the process list), so say so and name the safer way."""
    if value:
        click.echo("warning: --api-key puts the key in your shell history and the process list; "
                   "prefer the environment: export PHOTOROOM_API_KEY=... (read when --api-key is absent)", err=True)
    return value


def timeout_option(ctx, param, value: float | None) -> float | None:
    """Click callback for --timeout: seconds above 0 (a bad value is a usage error)."""
    if value is not None and not 0 < value < float("inf"):
        raise click.BadParameter(f"expected a number of seconds above 0, got {value}")
    return value


def known_failures_option(ctx, param, value):
    """Click callback for --known-failures: the file is read and checked before anything is sent, so a bad
    one is a usage error (exit 2) naming its line; the path goes on (the plugin reads it again)."""
    if value is None:
        return None
    from ..history.known import KnownFailuresError, parse_file

    try:
        parse_file(value)
    except KnownFailuresError as exc:
        raise click.BadParameter(str(exc)) from None
    return value.resolve()


def history_option(command):
    """``--history URL``: the results store every command records its run into (default: $UPSCALE_HISTORY,
    else ./reports/history.sqlite). Used by run, monitor, load, selfcheck and the `history` commands."""
    return click.option("--history", "history_url", default=None, metavar="URL",
                        help="Results store, a SQLAlchemy URL (default: $UPSCALE_HISTORY, else "
                             "sqlite:///reports/history.sqlite; postgresql+psycopg://... for a team).")(command)
