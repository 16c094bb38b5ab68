"""FMT-*, ALPHA-*, INPUT-*, OUT-DECODES: formats in, formats out, transparency kept."""

from __future__ import annotations

import pytest

from upscale_conformance.checks import judge_upscale
from upscale_conformance.contract import MODES
from upscale_conformance.plugin.options import economy
from upscale_conformance.strategies import INPUT_FORMATS, SWAPS_AXES, ImageCase, modes_for, request_for

ALPHA_FORMATS = ("png", "webp", "avif")
# Economy (calls may cost money): one answer per colour mode, each also in another input format and
# EXIF orientation, so seven answers judge INPUT-MODES, INPUT-FORMATS and DIM-EXIF together, and
# one RGBA answer per alpha-carrying export format judges ALPHA-KEPT and FMT-EXPORT together.
ECONOMY_INPUTS = (("L", "JPEG", 2), ("LA", "PNG", 3), ("P", "WEBP", 4), ("RGB", "WEBP", 5), ("RGBA", "PNG", 6),
                  ("CMYK", "JPEG", 7), ("I;16", "PNG", 8))
ECONOMY_ALPHA = (("png", "ai.fast"), ("webp", "ai.slow"), ("avif", "ai.fast"))


def _upscaled(upscale, verdict, case: ImageCase, clause: str, mode: str = "ai.fast", **judged):
    """Send the case and judge its answer by every clause that applies (``checks.judge_upscale``: soft checks,
    BLOCKED where a failure leaves a clause unjudged); the test's ``verdict.check()`` then fails it once."""
    export_format = judged.pop("export_format", None)
    result = upscale(request_for(case, mode, export_format=export_format))
    # Valid input or a client's mistake, a 5xx is wrong either way (even where `clause` is only a should).
    judge_upscale(verdict, result, (case.width, case.height), accepted=clause, what=case.describe(), no_5xx=True,
                  **judged)
    return result


@pytest.mark.clause("FMT-PNG-DEFAULT", "OUT-DECODES", "DIM-4X")
@pytest.mark.parametrize("mode", MODES)
def test_default_output_is_png(upscale, verdict, upscale_profile, mode):
    _upscaled(upscale, verdict, ImageCase(36, 20, seed=1), "FMT-PNG-DEFAULT", mode, export=(None, upscale_profile))
    verdict.check()


def pytest_generate_tests(metafunc):
    frugal = economy(metafunc.config)
    if "export_format" in metafunc.fixturenames:
        from upscale_conformance.contract import load_profile
        from upscale_conformance.plugin.options import option

        profile = load_profile(option(metafunc.config, "upscale_profile") or None)
        # In economy the alpha-carrying formats are judged on the transparency test's answers.
        metafunc.parametrize("export_format", [f for f in profile.export_formats
                                               if not (frugal and f in ALPHA_FORMATS)])
    if "alpha_case" in metafunc.fixturenames:
        cases = ECONOMY_ALPHA if frugal else [(f, m) for f in ALPHA_FORMATS for m in MODES]
        metafunc.parametrize("alpha_case", cases, ids=[f"{f}-{m}" for f, m in cases])
    if "input_case" in metafunc.fixturenames:
        cases = ECONOMY_INPUTS if frugal else [(m, f, 1) for f in INPUT_FORMATS for m in modes_for(f)] + [
            ("I;16", "PNG", 1)]
        metafunc.parametrize("input_case", cases, ids=[f"{m}-{f}" + (f"-exif{o}" if o != 1 else "")
                                                       for m, f, o in cases])


@pytest.mark.clause("FMT-EXPORT", "OUT-DECODES", "DIM-4X", "FIDELITY-COLOUR")
def test_each_export_format_gives_those_bytes_and_content_type(upscale, verdict, upscale_profile, export_format):
    case = ImageCase(40, 28, seed=2)
    _upscaled(upscale, verdict, case, "FMT-EXPORT", export_format=export_format,
              export=(export_format, upscale_profile), picture=case.picture())
    verdict.check()


@pytest.mark.clause("ALPHA-KEPT", "FMT-EXPORT", "DIM-4X")
def test_transparency_survives(upscale, verdict, upscale_profile, alpha_case):
    alpha_format, mode = alpha_case
    if alpha_format not in upscale_profile.export_formats:
        pytest.skip(f"{alpha_format} is not an export format of profile {upscale_profile.id}")
    case = ImageCase(40, 32, seed=3, mode="RGBA")
    _upscaled(upscale, verdict, case, "ALPHA-KEPT", mode, export_format=alpha_format,
              export=(alpha_format, upscale_profile), picture=case.picture(), alpha=True)
    verdict.check()


@pytest.mark.clause("INPUT-FORMATS", "DIM-4X", "FIDELITY-GEOMETRY", "ERR-NO-5XX")
@pytest.mark.parametrize("fmt", INPUT_FORMATS)
def test_each_input_format_is_accepted(upscale, verdict, upscale_economy, fmt):
    if upscale_economy:
        pytest.skip("economy: every input format is judged on the colour-mode answers")
    case = ImageCase(44, 30, seed=4, fmt=fmt)
    _upscaled(upscale, verdict, case, "INPUT-FORMATS", picture=case.picture())
    verdict.check()


@pytest.mark.clause("INPUT-MODES", "INPUT-FORMATS", "DIM-EXIF", "DIM-4X", "FIDELITY-GEOMETRY", "FIDELITY-COLOUR",
                    "ERR-NO-5XX")
def test_each_colour_mode_is_upscaled_faithfully(upscale, verdict, input_case):
    colour_mode, fmt, orientation = input_case
    case = ImageCase(36, 28, seed=5, mode=colour_mode, fmt=fmt, orientation=orientation)
    # A wrong size for an EXIF orientation that swaps the axes is the tag ignored (DIM-EXIF).
    _upscaled(upscale, verdict, case, "INPUT-MODES", picture=case.picture(),
              size_clause="DIM-EXIF" if orientation in SWAPS_AXES else "DIM-4X")
    verdict.check()
