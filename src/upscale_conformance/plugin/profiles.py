"""Hypothesis profiles for the suites, chosen from the target unless ``--hypothesis-profile`` is given.

- ``dev``: a local target on a developer machine; random, a few examples per property.
- ``ci``: a local target under CI (``$CI`` set); derandomized, so a failure is reproducible.
- ``vendor``: a paid target; very few examples and a bounded shrink: each shrink step is a paid call, so at
  most ``ECONOMY_SHRINK_CALLS`` of them, and none that would leave the budget without the final replay.
- ``quick``: ``--upscale-quick``; one or two examples per property, derandomized.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

# Suites use function-scoped fixtures (the recorder) on purpose: it gathers every example's findings.
_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                      HealthCheck.too_slow, HealthCheck.data_too_large],
               print_blob=True)

settings.register_profile("dev", max_examples=20, **_COMMON)
settings.register_profile("ci", max_examples=20, derandomize=True, database=None, **_COMMON)
settings.register_profile("vendor", max_examples=2, derandomize=True, database=None,
                          phases=[Phase.explicit, Phase.generate, Phase.shrink], **_COMMON)
settings.register_profile("quick", max_examples=2, derandomize=True, database=None,
                          phases=[Phase.explicit, Phase.generate], **_COMMON)


# Hypothesis has no setting that caps shrink steps; the plugin stops sending instead (``shrink_stop``), and
# the steps it refuses cost nothing: they are rejected before any request.
ECONOMY_SHRINK_CALLS = 8
SHRINK_RESERVE = 1  # calls kept for Hypothesis's final replay of the failure, which the report is made of


def shrink_stop(calls_after_failure: int, remaining: int | None, economy: bool) -> str:
    """Why no more calls may go to shrinking a failure already found ("" to go on). A spent budget would end
    the test INCONCLUSIVE and lose the failure, so shrinking stops while the final replay can still be paid.

    >>> shrink_stop(30, None, False), shrink_stop(8, 50, True), shrink_stop(2, 1, False), shrink_stop(7, 9, True)
    ('', 'economy cap', 'budget', '')
    """
    if remaining is not None and remaining <= SHRINK_RESERVE:
        return "budget"
    if economy and calls_after_failure >= ECONOMY_SHRINK_CALLS:
        return "economy cap"
    return ""


def shrinks() -> bool:
    """Whether the loaded profile shrinks failures at all (``quick`` does not)."""
    return Phase.shrink in settings.default.phases


def choose(config, local: bool, quick: bool) -> str:
    """Load and return the profile for this run, unless the user named one."""
    if config.getoption("hypothesis_profile", default=None):
        return config.getoption("hypothesis_profile")
    name = "quick" if quick else ("vendor" if not local else ("ci" if os.environ.get("CI") else "dev"))
    settings.load_profile(name)
    return name


def with_database(folder) -> settings:
    """The loaded profile with its failing examples kept in ``folder`` and tried first (the reuse phase,
    which ``vendor`` and ``quick`` leave out when there is no database to read). Derandomization stays."""
    from hypothesis.database import DirectoryBasedExampleDatabase

    current = settings.default
    phases = [p for p in Phase if p in current.phases or p is Phase.reuse]
    settings.register_profile("upscale-db", parent=current, database=DirectoryBasedExampleDatabase(str(folder)),
                              phases=phases)
    settings.load_profile("upscale-db")
    return settings.default


@pytest.hookimpl(trylast=True)  # after Hypothesis's own plugin has loaded a --hypothesis-profile
def pytest_configure(config):
    from .options import economy, hypothesis_db, quick

    choose(config, not economy(config), quick(config))
    folder = hypothesis_db(config)
    if folder is not None:
        with_database(folder)
