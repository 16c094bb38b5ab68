"""The plugin's options: each is a flag and an ini key of the same name without the dashes
(``upscale_target = local``); the flag wins. Also the readings of them that fixtures and suites share.
"""

from __future__ import annotations

import secrets
import time

import pytest

from ..client import DEFAULT_TIMEOUT, Secret, is_local
from ..contract import load_profile
from ..errors import ConformanceError

OPTIONS = (
    # flag, ini key, help, default
    ("--upscale-target", "upscale_target", "`local` (start the reference server) or a target's base URL.", "local"),
    ("--upscale-api-key", "upscale_api_key", "API key for the target (default: $PHOTOROOM_API_KEY).", ""),
    ("--upscale-profile", "upscale_profile", "Contract profile name or path (default: the default profile).", ""),
    ("--upscale-budget", "upscale_budget", "At most this many requests in the whole run, split across workers.", ""),
    ("--upscale-quick", "upscale_quick", "Fewer examples, every clause at least once (the CI smoke setting).", ""),
    ("--upscale-economy", "upscale_economy",
     "Spend as on a paid target: each answer judged on every clause it can show, no redundant calls "
     "(default: on for any host but loopback; set 1 to force it on a loopback target, 0 to turn it off).", ""),
    ("--upscale-allow-negative", "upscale_allow_negative",
     "Send the hostile-input group (ROB-*) in economy too, i.e. to a paid target (off there by default). Errors "
     "cost nothing on the vendor; only inputs that may be valid after all are billed if answered 200.", ""),
    ("--upscale-summary", "upscale_summary", "Write the per-clause summary JSON to this path.", ""),
    ("--upscale-cache", "upscale_cache", "Folder of the on-disk response cache (off unless set).", ""),
    ("--upscale-timeout", "upscale_timeout",
     f"Seconds to wait for one whole answer, headers and body (default: {DEFAULT_TIMEOUT:g}). An answer that "
     "times out is not repeated (it may have been billed); if a known-good request times out too, the target "
     "is down: inconclusive.", ""),
    ("--upscale-patience", "upscale_patience",
     "Seconds a run waits for a target that is down (503, 502, 504, refused or timed out, and a known-good "
     "request fails the same way) to come back before it ends inconclusive (default: 60).", ""),
    ("--upscale-deadline", "upscale_deadline",
     "Seconds the whole run may take (default: 1200 with --upscale-quick, else 7200; 0: no deadline). Past it "
     "nothing more is sent: what was not judged is INCONCLUSIVE, and the run ends exit 3.", ""),
    ("--upscale-golden-dir", "upscale_golden_dir",
     "Golden store (default: fixtures/goldens in the checkout, else ./goldens, falling back to the shipped "
     "goldens when it holds none for the target).", ""),
    ("--upscale-known-failures", "upscale_known_failures",
     "A YAML file of known failures (docs/history.md): a failing clause whose every finding it accepts, "
     "unexpired, is KNOWN and does not fail the run; a bad file is a usage error naming its line.", ""),
    ("--upscale-hypothesis-db", "upscale_hypothesis_db",
     "Keep Hypothesis's failing examples in this folder (a DirectoryBasedExampleDatabase) and try them first in "
     "the next run, under every profile (off unless set; the ci and quick profiles stay derandomized).", ""),
    ("--upscale-golden-target", "upscale_golden_target",
     "Whose goldens to compare with: a name (default: `local` for the reference server, else the target's host; "
     "the port is never part of it).", ""),
)
STARTED = pytest.StashKey[float]()  # when this process's session began (time.monotonic), for the deadline
# The reference server started for `--upscale-target local` pins this key, so AUTH clauses are checked for real.
LOCAL_KEY = Secret("local-" + secrets.token_hex(8))


def pytest_addoption(parser):
    group = parser.getgroup("upscale-conformance", "AI Upscale conformance")
    for flag, ini, help_text, default in OPTIONS:
        group.addoption(flag, dest=ini, default=None, help=help_text)
        parser.addini(ini, help_text, default=default)


def pytest_configure(config):
    config.addinivalue_line("markers", "clause(*ids): contract clause IDs (contracts/clauses.yaml) this test checks")
    try:  # a bad profile (flag or ini key) is a usage error here, not a traceback per module at collection
        load_profile(option(config, "upscale_profile") or None)
    except ConformanceError as exc:
        raise pytest.UsageError(f"--upscale-profile: {exc}") from None
    answer_timeout(config)  # bad numbers are usage errors before any test runs
    patience(config)
    deadline(config)
    config.stash[STARTED] = time.monotonic()  # the deadline counts from here
    budget(config)
    check_key(config)
    known_failures(config)


def known_failures(config) -> tuple[list | None, str]:
    """The known-failures entries (None: no file given) and the file's path; a bad file is a usage error.
    A relative path from the ini file is read beside the ini file, as a user who wrote it there expects."""
    from pathlib import Path

    from ..history.known import KnownFailuresError, parse_file

    flag = config.getoption("upscale_known_failures", default=None)
    raw = flag or str(config.getini("upscale_known_failures") or "")
    if not raw:
        return None, ""
    path = Path(raw)
    if not flag and not path.is_absolute() and config.inipath is not None:
        path = Path(config.inipath).parent / path
    try:
        return parse_file(path), str(path)
    except KnownFailuresError as exc:
        raise pytest.UsageError(f"--upscale-known-failures: {exc}") from None


def hypothesis_db(config):
    """The example database's folder (None: off). A relative path from the ini file is read beside it."""
    from pathlib import Path

    flag = config.getoption("upscale_hypothesis_db", default=None)
    raw = flag or str(config.getini("upscale_hypothesis_db") or "")
    if not raw:
        return None
    path = Path(raw)
    if not flag and not path.is_absolute() and config.inipath is not None:
        path = Path(config.inipath).parent / path
    return path


def option(config, ini: str) -> str:
    """A flag if given, else the ini value."""
    value = config.getoption(ini, default=None)
    return str(value) if value not in (None, "") else str(config.getini(ini) or "")


def switch(value: str | None, default: bool) -> bool:
    """An on/off setting: 1/true/yes/on or 0/false/no/off; anything else (unset) is ``default``.

    >>> switch("off", True), switch("YES", False), switch("", True)
    (False, True, True)
    """
    value = (value or "").strip().lower()
    if value in ("0", "false", "no", "off"):
        return False
    return value in ("1", "true", "yes", "on") or default


def target(config) -> str:
    return option(config, "upscale_target") or "local"


def economy(config) -> bool:
    """Whether calls may cost money: then every call must serve a verdict (README, "Paid targets")."""
    return switch(option(config, "upscale_economy"), not is_local(target(config)))


def quick(config) -> bool:
    """Whether this is the smoke setting (``--upscale-quick 1``); ``0`` or unset is the full run."""
    return switch(option(config, "upscale_quick"), False)


def allow_negative(config) -> bool:
    """Whether the hostile-input group runs in economy (``--upscale-allow-negative 1``)."""
    return switch(option(config, "upscale_allow_negative"), False)


def api_key(config) -> Secret:
    """The run's key: the reference server's own for ``local``, else the option or the environment."""
    if target(config) == "local":
        return LOCAL_KEY
    return Secret.from_sources(option(config, "upscale_api_key") or None)


def golden_target(config) -> str:
    """Whose goldens this run compares with (a bad ``--upscale-golden-target`` is a usage error)."""
    from ..contract import is_sandbox_key
    from ..goldens.keys import golden_target_for, golden_target_name

    chosen = option(config, "upscale_golden_target") or None
    if chosen:
        try:
            golden_target_name(chosen)
        except ValueError as exc:
            raise pytest.UsageError(f"--upscale-golden-target: {exc}") from None
    return golden_target_for(target(config), chosen, sandbox=is_sandbox_key(api_key(config).reveal()))


def _seconds(config, ini: str, default: float, zero: bool = False) -> float:
    """The command line's rules (cli/options.py): a timeout above 0, a patience of 0 or more."""
    raw = option(config, ini)
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = -1.0
    if not (0 <= value if zero else 0 < value) or value == float("inf") or value != value:
        flag = "--" + ini.replace("_", "-")
        above = "0 or more" if zero else "above 0"
        raise pytest.UsageError(f"{flag} must be a number of seconds {above}, got {raw!r}")
    return value


def answer_timeout(config) -> float:
    """Seconds to wait for one whole answer (``--upscale-timeout``; a bad value is a usage error)."""
    return _seconds(config, "upscale_timeout", DEFAULT_TIMEOUT)


def patience(config) -> float:
    """Seconds to wait for a target that is down (``--upscale-patience``; 0: not at all)."""
    from ..client.health import DEFAULT_PATIENCE

    return _seconds(config, "upscale_patience", DEFAULT_PATIENCE, zero=True)


def deadline(config) -> float:
    """Seconds the whole run may take (``--upscale-deadline``; 0: none), by default per depth."""
    from ..client.health import DEFAULT_DEADLINE

    return _seconds(config, "upscale_deadline", DEFAULT_DEADLINE["quick" if quick(config) else "full"], zero=True)


def deadline_at(config) -> float | None:
    """When the run's deadline passes, by ``time.monotonic`` (None: no deadline)."""
    seconds = deadline(config)
    return config.stash[STARTED] + seconds if seconds else None


def budget(config) -> int | None:
    """The run's call cap (``--upscale-budget``; None: unlimited; a bad value is a usage error)."""
    raw = option(config, "upscale_budget")
    try:
        value = int(raw) if raw else None
    except ValueError:
        value = -1
    if value is not None and value < 0:
        raise pytest.UsageError(f"--upscale-budget must be a whole number, 0 or more, got {raw!r}")
    return value


def check_key(config) -> None:
    """A target that may cost money is refused without a key, as every command refuses it (session.key_for)."""
    from ..errors import KeyMissing
    from ..session import key_for

    try:
        key_for(target(config), api_key(config), "--upscale-api-key")
    except KeyMissing as exc:
        raise pytest.UsageError(str(exc)) from None
