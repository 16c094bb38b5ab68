"""Limit discovery against simulated targets: the right limit, exact where the target takes the
probe shapes, and never more than 24 calls for a mode."""

from __future__ import annotations

import pytest

from upscale_conformance.contract import Limit, load_profile
from upscale_conformance.monitor import limits as lim
from upscale_conformance.monitor.discover import CAP, discover
from upscale_conformance.monitor.fit import LimitFinding, Observation, fit
from upscale_conformance.monitor.search import find_edge, roundest

PIXELS_1M = Limit("pixels", max_pixels=1_000_000)
PIXELS_SLOW = Limit("pixels", max_pixels=262_144)
AXIS_1000 = Limit("per_axis", max_width=1000, max_height=1000)
AXIS_512 = Limit("per_axis", max_width=512, max_height=512)


def target(limit: Limit):
    return lambda w, h, role: limit.accepts(w, h)


def offset_fault(limit: Limit, off: int = 1):
    """As the reference server's ``limit_offset`` fault: the boundary moves by one pixel per axis."""
    return lambda w, h, role: limit.accepts(max(1, w - off), max(1, h - off))


def run(send, hint):
    d = discover(send, hint=hint)
    assert d.calls <= CAP
    return d


# --- exact limits, from a right hint, a wrong hint or none ---------------------------------------------------


@pytest.mark.parametrize("truth", [PIXELS_1M, PIXELS_SLOW, Limit("pixels", max_pixels=512_000), AXIS_1000, AXIS_512,
                                   Limit("per_axis", max_width=2000, max_height=1000)],
                         ids=lambda limit: limit.describe())
@pytest.mark.parametrize("hint", [PIXELS_1M, AXIS_1000, PIXELS_SLOW, None], ids=lambda h: h.describe() if h else "none")
def test_the_limit_is_found_within_the_cap(truth, hint):
    d = run(target(truth), hint)
    f = d.finding
    assert f.kind == truth.kind
    assert f.largest_square == truth.largest_square() and f.square_exact
    if f.exact:
        assert f.limit() == truth
    else:  # the cap ran out first: what is given is a true lower bound, with a true bracket
        assert "cap" in f.note
        assert f.limit().accepts(*_corner(f.limit())) and truth.accepts(*_corner(f.limit()))
        if f.pixels_range:
            assert f.pixels_range[0] <= truth.max_pixels <= f.pixels_range[1]


def _corner(limit: Limit) -> tuple[int, int]:
    return (limit.max_pixels, 1) if limit.kind == "pixels" else (limit.max_width, limit.max_height)


@pytest.mark.parametrize(("truth", "hint", "calls", "billable"), [
    (PIXELS_1M, PIXELS_1M, 5, 3),  # 1001x1001 no, 1000x1000 yes, 1000001x1 no, 1000000x1 yes, 16x1001 yes
    (PIXELS_SLOW, PIXELS_SLOW, 5, 3),
    (AXIS_1000, AXIS_1000, 4, 1),  # 1001x1001 no, 1000x1000 yes, 1001x16 no, 16x1001 no
    (AXIS_1000, PIXELS_1M, 6, 1),  # the acceptance's narrowing: every extra probe is a refused one
    (PIXELS_1M, AXIS_1000, 6, 4),  # the widening
])
def test_a_hint_that_holds_costs_a_few_calls_mostly_refused(truth, hint, calls, billable):
    d = run(target(truth), hint)
    assert d.finding.exact and d.finding.limit() == truth
    assert (d.calls, sum(o.accepted for o in d.observations)) == (calls, billable)


def test_every_probe_is_sent_once():
    d = run(target(Limit("pixels", max_pixels=777_777)), PIXELS_1M)
    sizes = [(o.width, o.height) for o in d.observations]
    assert len(sizes) == len(set(sizes))


# --- shapes the target treats differently ------------------------------------------------------------------


def test_a_limit_off_by_one_is_neither_kind():
    f = run(offset_fault(PIXELS_1M), PIXELS_1M).finding
    assert f.kind == "irregular" and f.largest_square == 1001
    assert any("1002x1002" in e and "refused" in e for e in f.evidence)


def test_a_per_axis_limit_off_by_one_is_a_wider_per_axis_limit():
    f = run(offset_fault(AXIS_1000), AXIS_1000).finding
    assert f.kind == "per_axis" and f.limit() == Limit("per_axis", max_width=1001, max_height=1001) and f.exact


def test_a_target_refusing_strips_gets_a_bracket_not_a_wrong_kind():
    no_strips = lambda w, h, role: PIXELS_1M.accepts(w, h) and min(w, h) >= 8  # noqa: E731
    d = run(no_strips, PIXELS_1M)
    f = d.finding
    assert f.kind == "pixels" and not f.exact and "strips" in f.note
    assert f.pixels_range[0] <= 1_000_000 <= f.pixels_range[1] and f.pixels_range[1] - f.pixels_range[0] <= 1000


def test_nothing_refused_up_to_the_largest_probe_is_unbounded():
    d = discover(lambda w, h, role: True, hint=PIXELS_1M, max_side=2048)
    assert d.finding.kind == "unbounded" and d.finding.largest_square == 2048


def test_a_cap_leaves_what_the_answers_tell():
    d = discover(target(PIXELS_1M), hint=None, cap=3)
    assert d.calls == 3 and "cap of 3" in d.finding.note


# --- the pieces ---------------------------------------------------------------------------------------------


def test_find_edge_is_exact_for_every_value_near_a_hint():
    for truth in range(990, 1011):
        asked: list[int] = []
        edge = find_edge(lambda n, t=truth, a=asked: a.append(n) or n <= t, hint=1000, ceiling=4096)
        assert edge.lo == truth and edge.exact
        assert len(asked) <= 12, (truth, asked)


def test_roundest_prefers_numbers_vendors_write():
    assert roundest(511_225, 512_656) == 512_000
    assert roundest(262_000, 262_500) == 262_144
    assert roundest(1001, 1020) is None


def test_fit_names_the_answers_that_contradict_each_other():
    obs = [Observation(1000, 1000, True), Observation(1001, 1001, False), Observation(16, 1001, True, "tall"),
           Observation(1001, 16, True, "wide"), Observation(1_002_001, 1, True, "strip")]
    f = fit(obs)
    assert f.kind == "irregular"
    assert "1002001x1 (1,002,001 px) accepted but 1001x1001 (1,002,001 px) refused" in f.evidence[0]


def test_a_finding_survives_the_record():
    f = run(target(AXIS_512), AXIS_512).finding
    assert LimitFinding.from_dict(f.to_dict()) == f


@pytest.mark.parametrize(("old", "new", "verdict"), [
    (AXIS_1000, PIXELS_1M, "wider"),  # same corner: every size accepted before still is
    (PIXELS_1M, AXIS_1000, "narrower"),
    (Limit("pixels", max_pixels=512_000), PIXELS_SLOW, "narrower"),
    (AXIS_512, PIXELS_SLOW, "wider"),
    (AXIS_512, Limit("pixels", max_pixels=200_000), "narrower"),
    (Limit("per_axis", max_width=2000, max_height=500), AXIS_1000, "narrower"),  # some gained, some lost
    (PIXELS_1M, PIXELS_1M, "same"),
])
def test_limit_changes_are_judged_by_the_sizes_users_send(old, new, verdict):
    assert lim.change(old, new) == verdict


def test_the_profiles_are_what_discovery_finds_on_a_perfect_target():
    for name in ("pixel-budget-2026", "per-axis-2025"):
        profile = load_profile(name)
        for mode, limit in profile.limits.items():
            assert run(target(limit), limit).finding.limit() == limit, (name, mode)


def test_retried_requests_count_against_the_cap():
    sent = []
    d = discover(lambda w, h, role: sent.append((w, h)) or PIXELS_1M.accepts(w, h), hint=None,
                 spent=lambda: 2 * len(sent))  # every probe needed one retry
    assert 2 * len(sent) <= CAP and "cap of 24" in d.finding.note
