"""MODEL-*: the model-version header switches the ai.fast model, and only where documented."""

from __future__ import annotations

import pytest
from hypothesis import given

from upscale_conformance.checks import (
    check_no_server_error,
    check_rejected,
    check_size,
    image_distance,
    judge_upscale,
    systematic_difference,
)
from upscale_conformance.contract import NEW_FAST_MODEL
from upscale_conformance.findings import Measured, Violation
from upscale_conformance.strategies import ImageCase, image_cases, request_for

# The switch is judged on what differs systematically: with two answers without the header (a
# rerun) and one with it, checks.systematic_difference estimates the part of the difference that
# the target's own run-to-run variation does not explain; its thresholds and their measurement are
# in checks.py (MODEL_SWITCH_FLOOR, MODEL_SWITCH_Z), shared with `monitor`.


def _both_ways(upscale, case: ImageCase, mode: str, version: str):
    return upscale(request_for(case, mode)), upscale(request_for(case, mode, model_version=version))


@pytest.mark.clause("MODEL-SWITCH", "DIM-4X", "FIDELITY-GEOMETRY", "FIDELITY-COLOUR")
@given(case=image_cases(min_side=24, max_side=80, modes=("RGB",), formats=("PNG",)))
def test_the_header_switches_the_fast_model(upscale, verdict, upscale_economy, case):
    if upscale_economy and verdict.cases:
        return  # economy: one example (three answers) decides the clause; Hypothesis shares the recorder
    classic, new = _both_ways(upscale, case, "ai.fast", NEW_FAST_MODEL)
    rerun = upscale(request_for(case, "ai.fast"))
    for result in (classic, new):  # both models keep every other clause, judged before the test fails
        judge_upscale(verdict, result, (case.width, case.height), accepted="MODEL-SWITCH", what=case.describe(),
                      picture=case.picture())
    found = systematic_difference(classic, rerun, new)
    if found is None:  # a missing or wrongly sized output is a violation above; the switch cannot be measured
        verdict.block("MODEL-SWITCH", "DIM-4X", "the answers with and without the header cannot be compared "
                                                "pixel for pixel (no picture, or their sizes differ)")
    elif not found.beats():
        needed = found.needed()
        verdict.hold([Violation("model_header_ignored", "MODEL-SWITCH",
                                 f"outputs with and without {NEW_FAST_MODEL} differ systematically by "
                                 f"{found.rms:.3f} levels RMS, not more than {needed:.3f} (rerun noise "
                                 f"{found.rerun:.3f} RMS): the header did not switch the model",
                                 measured=Measured(values={
                                     "systematic_rms": found.rms, "excess": found.excess, "standard_error": found.se,
                                     "needed_rms": needed, "rerun_rms": found.rerun, "input": case.describe()}))])
    verdict.check()


@pytest.mark.clause("MODEL-SLOW-HEADER", "DIM-4X", "ERR-NO-5XX")
def test_the_header_with_slow_mode_is_recorded(upscale, verdict):
    case = ImageCase(40, 30, seed=5)
    plain, with_header = _both_ways(upscale, case, "ai.slow", NEW_FAST_MODEL)
    distance = image_distance(plain, with_header)
    effect = "not comparable" if distance is None else f"output differs by {distance:.2f}"
    verdict.observe("MODEL-SLOW-HEADER", f"ai.slow + header: {with_header.status}, {effect}")
    verdict.check(check_no_server_error(with_header, "ai.slow with the model header"),
                  check_size(with_header, (case.width, case.height)) if with_header.status == 200 else [])


@pytest.mark.clause("MODEL-UNKNOWN-VERSION", "ERR-NO-5XX", "ERR-BODY")
@pytest.mark.parametrize("version", ["ai-upscale-1999-01-01", "latest"])
def test_an_unknown_model_version_is_recorded(upscale, verdict, upscale_profile, upscale_economy, version):
    if upscale_economy and version != "latest":
        pytest.skip("economy: one unknown version records the answer (a 200 would be billed)")
    case = ImageCase(40, 30, seed=6)
    result = upscale(request_for(case, "ai.fast", model_version=version))
    verdict.observe("MODEL-UNKNOWN-VERSION", f"{version!r}: {result.status}", request=result.request)
    pin = upscale_profile.pins.get("MODEL-UNKNOWN-VERSION")
    if pin:  # the profile pins the answer: judged, not just observed
        verdict.check(check_rejected(result, tuple(pin["statuses"]), "MODEL-UNKNOWN-VERSION", f"version {version!r}"))
    elif result.status == 200:
        verdict.check(check_size(result, (case.width, case.height)))
    else:
        verdict.check(check_rejected(result, tuple(range(400, 500)), "MODEL-UNKNOWN-VERSION", f"version {version!r}"))
