"""DIM-*, FIDELITY-*: the output is the input, 4x larger, upright, with its geometry and colours."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upscale_conformance.checks import check_accepted, check_decodes, check_fidelity, check_size
from upscale_conformance.contract import MODES
from upscale_conformance.strategies import ImageCase, image_cases, request_for


@pytest.mark.clause("DIM-4X", "OUT-DECODES", "FIDELITY-GEOMETRY", "FIDELITY-COLOUR")
@given(case=image_cases(max_side=72, modes=("RGB",), formats=("PNG",)), mode=st.sampled_from(MODES))
def test_any_content_comes_back_exactly_4x_and_faithful(upscale, verdict, case, mode):
    result = upscale(request_for(case, mode))
    verdict.check(check_accepted(result, "DIM-4X", case.describe()))
    verdict.check(check_decodes(result), check_size(result, (case.width, case.height)),
                  check_fidelity(case.picture(), result))


@pytest.mark.clause("DIM-EXIF", "DIM-4X", "FIDELITY-GEOMETRY")
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_before_the_4x(upscale, verdict, upscale_economy, orientation):
    if upscale_economy:
        pytest.skip("economy: EXIF 2-8 are judged on the colour-mode answers (suites/test_formats.py)")
    # 48x24 oriented: the stored image is 24x48 for orientations 5-8, so a server that ignores the
    # tag returns 96x192 instead of 192x96, and one that mis-applies it returns a flipped picture.
    case = ImageCase(48, 24, seed=orientation, orientation=orientation)
    result = upscale(request_for(case, "ai.fast"))
    verdict.check(check_accepted(result, "DIM-EXIF", case.describe()))
    size = check_size(result, (case.width, case.height), clause="DIM-EXIF")
    verdict.check(size, check_fidelity(case.picture(), result) if not size else [])
