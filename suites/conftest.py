"""Parametrization shared by the suites: cases that depend on the active profile."""

from __future__ import annotations

import pytest

from upscale_conformance.strategies import limit_cases


def pytest_generate_tests(metafunc):
    """``limit_case`` parameters come from the active profile, so a profile change changes the cases."""
    if "limit_case" not in metafunc.fixturenames:
        return
    from upscale_conformance.contract import load_profile
    from upscale_conformance.plugin.options import economy, option, quick

    config = metafunc.config
    profile = load_profile(option(config, "upscale_profile") or None)
    smoke = quick(config)
    params = []
    for mode in profile.limits:
        cases = limit_cases(profile.limit(mode))
        if economy(config):  # two paid shapes (a square, then a 4:1 or 1:2), each with its free refusal
            cases = cases[:4]
        elif smoke:  # the square pair and the most elongated pair still cover both clauses
            cases = cases[:2] + [c for c in cases if c.shape == "elongated"][:2]
        params += [pytest.param((mode, c), id=f"{mode}-{c.width}x{c.height}-{'ok' if c.accept else 'over'}")
                   for c in cases]
    metafunc.parametrize("limit_case", params)
