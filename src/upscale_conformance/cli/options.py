"""Option types and callbacks the commands share: a bad value is a usage error (exit 2), never a traceback."""

from __future__ import annotations

from urllib.parse import urlparse

import click

from ..client.health import DEFAULT_PATIENCE
from ..client.secret import Secret
from ..client.target import DEFAULT_TIMEOUT
from ..contract import Profile, load_profile
from ..errors import ConformanceError, KeyMissing, NeverReached, NoAnswer
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


class Usage(click.ClickException):
    """A usage error shown as one line (``Error: ...``) with exit status 2, never a traceback."""

    exit_code = 2


def parse_target(ctx, param, value: str | None) -> str | None:
    """Click callback for --target: `local` or an http(s) base URL with a host (and a numeric port, if any)."""
    if value is None or value == "local":
        return value
    parsed = urlparse(value)
    try:
        parsed.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise Usage(f"--target: bad port in {value!r}") from None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise Usage(f"--target: expected `local` or an http(s) base URL, got {value!r}")
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


def api_key_flag(ctx, param, value: str | None) -> Secret:
    """Click callback for --api-key: the key, else $PHOTOROOM_API_KEY, as a :class:`Secret`. A key typed on a
    command line lands in the shell's history (and, while the command runs, in the process list), so say so
    and name the safer way."""
    if value:
        click.echo("warning: --api-key puts the key in your shell history and the process list; "
                   "prefer the environment: export PHOTOROOM_API_KEY=... (read when --api-key is absent)", err=True)
    return Secret.from_sources(value)


def _number(flag: str, value: str, kind: type, lowest: float, inclusive: bool, what: str):
    try:
        number = kind(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not (number >= lowest if inclusive else number > lowest) or number == float("inf"):
        raise Usage(f"{flag}: expected {what}, got {value!r}")
    return number


def budget_option(ctx, param, value: str | None) -> int | None:
    """Click callback for --budget: a whole number of calls, 0 or more (None: the command's default)."""
    return None if value is None else _number("--budget", value, int, 0, True, "a whole number of calls, 0 or more")


def timeout_option(ctx, param, value: str | None) -> float | None:
    """Click callback for --timeout: seconds above 0 (None: the command's default)."""
    return None if value is None else _number("--timeout", value, float, 0, False, "a number of seconds above 0")


def patience_option(ctx, param, value: str | None) -> float | None:
    """Click callback for --patience: seconds, 0 or more (0: give up on a target as soon as it is seen down)."""
    return None if value is None else _number("--patience", value, float, 0, True, "a number of seconds, 0 or more")


def deadline_option(ctx, param, value: str | None) -> float | None:
    """Click callback for --deadline: seconds, 0 or more (0: no deadline)."""
    return None if value is None else _number("--deadline", value, float, 0, True, "a number of seconds, 0 or more")


def profile_option(ctx, param, value: str | None) -> Profile:
    """Click callback for --profile: the profile named (or at a path), else the default one."""
    try:
        return load_profile(value)
    except ConformanceError as exc:
        raise Usage(f"--profile: {exc}") from None


TARGET_HELP = "`local` starts the reference server; otherwise the base URL of the implementation."
KEY_HELP = ("API key (default: $PHOTOROOM_API_KEY, the safer way: a flag lands in shell history). Never printed.")
PATIENCE_HELP = f"Seconds to wait for a target that is down (default: {DEFAULT_PATIENCE:g}; 0: not at all)."
# The options that open a target (session.open_session), each declared here once with its one rule.
TARGET_OPTIONS = {
    "target": lambda **kw: click.option("--target", callback=parse_target, metavar="local|URL",
                                        **{"help": TARGET_HELP, **kw}),
    "api_key": lambda **kw: click.option("--api-key", callback=api_key_flag, metavar="KEY",
                                         **{"help": KEY_HELP, **kw}),
    "profile": lambda **kw: click.option("--profile", callback=profile_option, metavar="NAME|PATH",
                                         **{"help": "Contract profile name or path.", **kw}),
    # Numbers are read as text and checked by their callback, so every bad value gets the same one-line error.
    "budget": lambda **kw: click.option("--budget", callback=budget_option, type=click.STRING, metavar="N", **{
        "help": "Most requests to send, retries and health probes included.", **kw}),
    "timeout": lambda **kw: click.option("--timeout", callback=timeout_option, type=click.STRING, metavar="SECONDS",
                                         **{"help": f"Seconds to wait for one whole answer (default: "
                                                    f"{DEFAULT_TIMEOUT:g}).", **kw}),
    "patience": lambda **kw: click.option("--patience", callback=patience_option, type=click.STRING,
                                          metavar="SECONDS", **{"help": PATIENCE_HELP, **kw}),
}


def target_options(*names: str, **changes: dict):
    """Declare the options that open a target: ``names`` among target, api_key, profile, budget, timeout and
    patience, in that order of --help; ``changes`` gives one its own default, help or ``required`` (the rule
    stays the one above). The command receives a checked URL or `local`, a :class:`Secret`, a Profile, and
    numbers or None for the command's defaults."""
    unknown = set(names) - TARGET_OPTIONS.keys() or set(changes) - set(names)
    if unknown:
        raise ValueError(f"unknown or undeclared target options: {sorted(unknown)}")

    def declare(command):
        for name in reversed(names):
            command = TARGET_OPTIONS[name](**changes.get(name, {}))(command)
        return command

    return declare


def needs_key(target: str | None, key: Secret) -> Secret:
    """``session.key_for`` as a usage error: refuse a paid target without a key before anything else runs."""
    from ..session import key_for

    if target is None:
        return key
    try:
        return key_for(target, key)
    except KeyMissing as exc:
        raise Usage(str(exc)) from None


def reached(target: str | None) -> None:
    """``session.reach`` as a usage error: a target that never answered anything (its name, its port, its TLS)
    ends the command at once in one line, before any plan or server is started."""
    from ..session import reach

    if target is None:
        return
    try:
        reach(target)
    except NeverReached as exc:
        raise Usage(str(exc)) from None


class Inconclusive(click.ClickException):
    """Nothing could be judged (exit 3), shown as one line: ``inconclusive: ...``."""

    exit_code = 3

    def show(self, file=None) -> None:
        click.echo(f"inconclusive: {self.format_message()}", file=file, err=True)


def opened(*args, **kwargs):
    """``session.open_session`` for a command: a missing key is a usage error (exit 2), a reference server that
    did not start leaves nothing to judge (exit 3)."""
    from ..session import open_session

    try:
        return open_session(*args, **kwargs)
    except KeyMissing as exc:
        raise Usage(str(exc)) from None
    except NoAnswer as exc:
        raise Inconclusive(str(exc)) from None


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
