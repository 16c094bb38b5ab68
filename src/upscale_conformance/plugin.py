"""The pytest plugin (entry point ``pytest11``): options to point the suites at a target.

Each option is available as a command-line flag and as an ini key of the same name without
the leading dashes (``upscale_target = local``); the flag wins.
"""

from __future__ import annotations

OPTIONS = (
    # flag, ini key, help, default
    ("--upscale-target", "upscale_target", "`local` (start the reference server) or the base URL of a target.",
     "local"),
    ("--upscale-api-key", "upscale_api_key", "API key for the target (default: $PHOTOROOM_API_KEY).", ""),
    ("--upscale-profile", "upscale_profile", "Contract profile name or path (default: the default profile).",
     ""),
    ("--upscale-budget", "upscale_budget", "At most this many requests in the whole run (split across workers).",
     ""),
)


def pytest_addoption(parser):
    group = parser.getgroup("upscale-conformance", "AI Upscale conformance")
    for flag, ini, help_text, default in OPTIONS:
        group.addoption(flag, dest=ini, default=None, help=help_text)
        parser.addini(ini, help_text, default=default)


def option(config, ini: str) -> str:
    """A flag if given, else the ini value."""
    value = config.getoption(ini, default=None)
    return str(value) if value not in (None, "") else str(config.getini(ini) or "")
