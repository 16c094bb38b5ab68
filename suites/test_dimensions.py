"""DIM-*, FIDELITY-*: the output is the input, 4x larger, upright, with its geometry and colours."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upscale_conformance.checks import judge_upscale
from upscale_conformance.contract import MODES
from upscale_conformance.strategies import ImageCase, image_cases, request_for


@pytest.mark.clause("DIM-4X", "OUT-DECODES", "FIDELITY-GEOMETRY", "FIDELITY-COLOUR")
@given(case=image_cases(max_side=72, modes=("RGB",), formats=("PNG",)), mode=st.sampled_from(MODES))
def test_any_content_comes_back_exactly_4x_and_faithful(upscale, verdict, case, mode):
    result = upscale(request_for(case, mode))
    # Every clause judged on the answer, then one failure for all (Hypothesis shrinks on it).
    judge_upscale(verdict, result, (case.width, case.height), accepted="DIM-4X", what=case.describe(),
                  picture=case.picture())
    verdict.check()


@pytest.mark.clause("DIM-EXIF", "DIM-4X", "FIDELITY-GEOMETRY")
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_before_the_4x(upscale, verdict, upscale_economy, orientation):
    if upscale_economy:
        pytest.skip("economy: EXIF 2-8 are judged on the colour-mode answers (suites/test_formats.py)")
    # 48x24 oriented: the stored image is 24x48 for orientations 5-8, so a server that ignores the
    # tag returns 96x192 instead of 192x96, and one that mis-applies it returns a flipped picture.
    case = ImageCase(48, 24, seed=orientation, orientation=orientation)
    result = upscale(request_for(case, "ai.fast"))
    judge_upscale(verdict, result, (case.width, case.height), accepted="DIM-EXIF", what=case.describe(),
                  picture=case.picture(), size_clause="DIM-EXIF")
    verdict.check()
