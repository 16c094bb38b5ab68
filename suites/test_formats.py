"""FMT-*, ALPHA-*, INPUT-*, OUT-DECODES: formats in, formats out, transparency kept."""

from __future__ import annotations

import pytest

from upscale_conformance.checks import (
    check_accepted,
    check_alpha,
    check_decodes,
    check_fidelity,
    check_format,
    check_no_server_error,
    check_size,
)
from upscale_conformance.contract import MODES
from upscale_conformance.strategies import INPUT_FORMATS, ImageCase, modes_for, request_for

ALPHA_FORMATS = ("png", "webp", "avif")


def _upscaled(upscale, verdict, case: ImageCase, clause: str, mode: str = "ai.fast", **kwargs):
    result = upscale(request_for(case, mode, **kwargs))
    # Valid input or a client's mistake, a 5xx is wrong either way (even where `clause` is only a should).
    verdict.check(check_no_server_error(result, case.describe()), check_accepted(result, clause, case.describe()))
    verdict.check(check_decodes(result), check_size(result, (case.width, case.height)))
    return result


@pytest.mark.clause("FMT-PNG-DEFAULT", "OUT-DECODES", "DIM-4X")
@pytest.mark.parametrize("mode", MODES)
def test_default_output_is_png(upscale, verdict, upscale_profile, mode):
    result = _upscaled(upscale, verdict, ImageCase(36, 20, seed=1), "FMT-PNG-DEFAULT", mode)
    verdict.check(check_format(result, None, upscale_profile))


def pytest_generate_tests(metafunc):
    if "export_format" in metafunc.fixturenames:
        from upscale_conformance.contract import load_profile
        from upscale_conformance.plugin import option

        profile = load_profile(option(metafunc.config, "upscale_profile") or None)
        metafunc.parametrize("export_format", list(profile.export_formats))


@pytest.mark.clause("FMT-EXPORT", "OUT-DECODES", "DIM-4X", "FIDELITY-COLOUR")
def test_each_export_format_gives_those_bytes_and_content_type(upscale, verdict, upscale_profile, export_format):
    case = ImageCase(40, 28, seed=2)
    result = _upscaled(upscale, verdict, case, "FMT-EXPORT", export_format=export_format)
    verdict.check(check_format(result, export_format, upscale_profile), check_fidelity(case.picture(), result))


@pytest.mark.clause("ALPHA-KEPT", "DIM-4X")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("alpha_format", ALPHA_FORMATS)
def test_transparency_survives(upscale, verdict, upscale_profile, mode, alpha_format):
    if alpha_format not in upscale_profile.export_formats:
        pytest.skip(f"{alpha_format} is not an export format of profile {upscale_profile.id}")
    case = ImageCase(40, 32, seed=3, mode="RGBA")
    result = _upscaled(upscale, verdict, case, "ALPHA-KEPT", mode, export_format=alpha_format)
    verdict.check(check_alpha(case.picture(), result))


@pytest.mark.clause("INPUT-FORMATS", "DIM-4X", "FIDELITY-GEOMETRY", "ERR-NO-5XX")
@pytest.mark.parametrize("fmt", INPUT_FORMATS)
def test_each_input_format_is_accepted(upscale, verdict, fmt):
    case = ImageCase(44, 30, seed=4, fmt=fmt)
    result = _upscaled(upscale, verdict, case, "INPUT-FORMATS")
    verdict.check(check_fidelity(case.picture(), result))


@pytest.mark.clause("INPUT-MODES", "DIM-4X", "FIDELITY-GEOMETRY", "FIDELITY-COLOUR", "ERR-NO-5XX")
@pytest.mark.parametrize(("colour_mode", "fmt"),
                         [(m, f) for f in INPUT_FORMATS for m in modes_for(f)] + [("I;16", "PNG")])
def test_each_colour_mode_is_upscaled_faithfully(upscale, verdict, colour_mode, fmt):
    case = ImageCase(36, 28, seed=5, mode=colour_mode, fmt=fmt)
    result = _upscaled(upscale, verdict, case, "INPUT-MODES")
    verdict.check(check_fidelity(case.picture(), result))
