"""Hypothesis profiles for the suites, chosen from the target unless ``--hypothesis-profile`` is given.

- ``dev``: a local target on a developer machine; random, a few examples per property.
- ``ci``: a local target under CI (``$CI`` set); derandomized, so a failure is reproducible.
- ``vendor``: a paid target; very few examples, no shrinking (each shrink step is a paid call).
- ``quick``: ``--upscale-quick``; one or two examples per property, derandomized.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

# Suites use function-scoped fixtures (the recorder) on purpose: it gathers every example's findings.
_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                      HealthCheck.too_slow, HealthCheck.data_too_large],
               print_blob=True)

settings.register_profile("dev", max_examples=20, **_COMMON)
settings.register_profile("ci", max_examples=20, derandomize=True, database=None, **_COMMON)
settings.register_profile("vendor", max_examples=2, derandomize=True, database=None,
                          phases=[Phase.explicit, Phase.generate], **_COMMON)
settings.register_profile("quick", max_examples=2, derandomize=True, database=None,
                          phases=[Phase.explicit, Phase.generate], **_COMMON)


def choose(config, local: bool, quick: bool) -> str:
    """Load and return the profile for this run, unless the user named one."""
    if config.getoption("hypothesis_profile", default=None):
        return config.getoption("hypothesis_profile")
    name = "quick" if quick else ("vendor" if not local else ("ci" if os.environ.get("CI") else "dev"))
    settings.load_profile(name)
    return name


def pytest_configure(config):
    from .options import economy, quick

    choose(config, not economy(config), quick(config))
