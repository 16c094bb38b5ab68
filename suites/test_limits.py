"""LIMIT-*, DOWNSCALE-*: each mode accepts up to its profile's limit and rejects past it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upscale_conformance.checks import check_accepted, check_no_server_error, check_rejected, check_size
from upscale_conformance.client import UpscaleRequest
from upscale_conformance.contract import MODES, is_ordinary
from upscale_conformance.findings import Measured, Violation
from upscale_conformance.strategies import ImageCase, SizeCase, landscape_pair, limit_image, sizes_around

CLAUSE = {"ai.fast": ("LIMIT-FAST-MAX", "LIMIT-FAST-EDGE"), "ai.slow": ("LIMIT-SLOW-MAX", "LIMIT-SLOW-EDGE")}


def _judge(verdict, upscale, profile, mode: str, case: SizeCase, orientation: int = 1) -> None:
    result = upscale(UpscaleRequest(image=limit_image(case, orientation), mode=mode))
    accepted_clause, rejected_clause = CLAUSE[mode]
    what = f"{mode} {case.width}x{case.height} ({profile.limit(mode).describe()} limit)"
    if case.accept and not is_ordinary(case.width, case.height):
        # Within the limit, but thin or long enough to meet an unknown minimum size: recorded.
        verdict.observe("LIMIT-MIN-SIZE", f"{what}: {result.status}", request=result.request)
        if result.status == 200:
            verdict.check(check_size(result, (case.width, case.height)))
        else:
            verdict.check(check_rejected(result, tuple(range(400, 500)), "LIMIT-MIN-SIZE", what))
    elif case.accept:
        # Both judged on the answer, then one failure (soft checks); a refusal has no size to judge. Only the
        # header is read: a full decode of a 16 MP output belongs to the dimension suite.
        verdict.check(check_accepted(result, accepted_clause, what),
                      check_size(result, (case.width, case.height)) if result.status == 200 else [])
    else:
        verdict.check(check_rejected(result, profile.status("over_limit"), rejected_clause, what))


@pytest.mark.clause("LIMIT-FAST-MAX", "LIMIT-FAST-EDGE", "LIMIT-SLOW-MAX", "LIMIT-SLOW-EDGE", "LIMIT-MIN-SIZE",
                    "DIM-4X", "ERR-NO-5XX", "ERR-BODY")
def test_largest_accepted_and_first_rejected_size_of_each_shape(upscale, verdict, upscale_profile, limit_case):
    mode, case = limit_case
    _judge(verdict, upscale, upscale_profile, mode, case)


@pytest.mark.clause("LIMIT-FAST-MAX", "LIMIT-FAST-EDGE", "LIMIT-SLOW-MAX", "LIMIT-SLOW-EDGE", "LIMIT-MIN-SIZE",
                    "DIM-4X", "ERR-NO-5XX", "ERR-BODY")
@given(data=st.data(), mode=st.sampled_from(MODES))
def test_any_width_on_either_side_of_the_limit(upscale, verdict, upscale_profile, upscale_economy, data, mode):
    if upscale_economy:
        pytest.skip("economy: the fixed limit cases decide these clauses; exploring more widths costs calls")
    case = data.draw(sizes_around(upscale_profile.limit(mode)), label="size")
    _judge(verdict, upscale, upscale_profile, mode, case)


@pytest.mark.clause("LIMIT-ORIENTED", "DIM-4X", "ERR-NO-5XX")
@pytest.mark.parametrize("mode", MODES)
def test_limit_on_a_rotated_input_is_recorded(upscale, verdict, upscale_profile, upscale_economy, mode):
    """EXIF 6 stores the transpose: the limit may be judged on either size (unknown: observed)."""
    if upscale_economy and mode != MODES[-1]:
        pytest.skip(f"economy: one mode ({MODES[-1]}, the smaller limit) records how limits meet EXIF")
    for case in landscape_pair(upscale_profile.limit(mode)):
        result = upscale(UpscaleRequest(image=limit_image(case, orientation=6), mode=mode))
        verdict.observe("LIMIT-ORIENTED", f"oriented {case.width}x{case.height} (EXIF 6): {result.status}",
                        request=result.request)
        # Both answers are judged before the test fails on either (soft checks).
        verdict.hold(check_size(result, (case.width, case.height)) if result.status == 200 else [],
                     check_no_server_error(result, f"oriented {case.width}x{case.height}"))
    verdict.check()


@pytest.mark.clause("LIMIT-MIN-SIZE", "DIM-4X", "ERR-NO-5XX", "ERR-BODY")
@pytest.mark.parametrize(("width", "height"), [(1, 1), (1, 2), (2, 1), (3, 3), (1, 200), (200, 1)])
def test_tiny_and_extreme_inputs_are_recorded(upscale, verdict, upscale_economy, width, height):
    """The minimum size is unknown: a 200 must still be 4x, a refusal must still be documented."""
    if upscale_economy and (width, height) not in ((1, 1), (200, 1)):
        pytest.skip("economy: 1x1 and 200x1 record the smallest and the thinnest input")
    case = ImageCase(width, height, seed=width * 7 + height)
    result = upscale(UpscaleRequest(image=case.encode(), mode="ai.fast"))
    verdict.observe("LIMIT-MIN-SIZE", f"{width}x{height}: {result.status}", request=result.request)
    if result.status == 200:
        verdict.check(check_size(result, (width, height)))
    else:
        verdict.check(check_rejected(result, tuple(range(400, 500)), "LIMIT-MIN-SIZE", f"{width}x{height}"))


def _oversized(limit) -> SizeCase:
    side = limit.largest_square()
    return SizeCase(side + side // 4, side + 1, False)


@pytest.mark.clause("DOWNSCALE-NEVER", "ERR-BODY", "ERR-NO-5XX")
@pytest.mark.parametrize("mode", MODES)
def test_downscale_never_refuses_an_oversized_input(upscale, verdict, upscale_profile, upscale_economy, mode):
    if upscale_economy and mode != MODES[-1]:
        pytest.skip(f"economy: one mode ({MODES[-1]}) decides it; the limit cases send the default in both")
    case = _oversized(upscale_profile.limit(mode))
    result = upscale(UpscaleRequest(image=limit_image(case), mode=mode, downscale="never"))
    verdict.check(check_rejected(result, upscale_profile.status("over_limit"), "DOWNSCALE-NEVER"))


@pytest.mark.clause("DOWNSCALE-ALWAYS")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", ["wide", "tall"])
def test_downscale_always_fits_the_limit_and_keeps_the_aspect(upscale, verdict, upscale_profile, upscale_economy,
                                                              mode, shape):
    if upscale_economy and (mode, shape) not in ((MODES[0], "wide"), (MODES[-1], "tall")):
        pytest.skip("economy: one shape per mode (wide ai.fast, tall ai.slow)")
    limit = upscale_profile.limit(mode)
    case = _oversized(limit)
    if shape == "tall":
        case = SizeCase(case.height, case.width, False)
    result = upscale(UpscaleRequest(image=limit_image(case), mode=mode, downscale="always"))
    verdict.check(check_accepted(result, "DOWNSCALE-ALWAYS", f"{case.width}x{case.height} with always"),
                  _downscaled_fit(result.size, case, limit) if result.status == 200 else [])


def _downscaled_fit(size, case: SizeCase, limit) -> list[Violation]:
    """The answer is 4x some size that fits the limit, keeps the aspect ratio and nearly fills the limit."""
    if size is None:
        return [Violation("undecodable_output", "DOWNSCALE-ALWAYS", "the answer is not a readable image")]
    w, h = size
    inner = (w / 4, h / 4)
    best = limit.fit(case.width, case.height)
    problems = []
    if w % 4 or h % 4 or not limit.accepts(int(inner[0]), int(inner[1])):
        problems.append(f"{w}x{h} is not 4x a size within {limit.describe()}")
    if abs(inner[0] / inner[1] - case.width / case.height) > 0.02 * case.width / case.height + 1 / inner[1]:
        problems.append(f"aspect {inner[0] / inner[1]:.3f} differs from the input's {case.width / case.height:.3f}")
    if inner[0] * inner[1] < 0.97 * best[0] * best[1]:
        problems.append(f"downscaled to {inner[0]:.0f}x{inner[1]:.0f}, well below the largest fit {best[0]}x{best[1]}")
    measured = Measured(values={"input": [case.width, case.height], "output": [w, h], "largest_fit": list(best)})
    return [Violation("downscale_not_fitted", "DOWNSCALE-ALWAYS", "; ".join(problems), measured=measured)] \
        if problems else []


@pytest.mark.clause("DOWNSCALE-SKIP", "ERR-NO-5XX")
@pytest.mark.parametrize("mode", MODES)
def test_downscale_skip_is_recorded(upscale, verdict, upscale_profile, upscale_economy, mode):
    if upscale_economy and mode != MODES[-1]:
        pytest.skip(f"economy: one mode ({MODES[-1]}) records skipUpscaleIfNotNeeded")
    case = _oversized(upscale_profile.limit(mode))
    result = upscale(UpscaleRequest(image=limit_image(case), mode=mode, downscale="skipUpscaleIfNotNeeded"))
    verdict.observe("DOWNSCALE-SKIP", f"{mode} oversized {case.width}x{case.height}: {result.status}"
                    + (f" -> {result.size[0]}x{result.size[1]}" if result.size else ""), request=result.request)
    verdict.check(check_no_server_error(result, "skipUpscaleIfNotNeeded"))
