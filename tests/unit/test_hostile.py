"""Bounds against targets nobody vetted (issue 14, item 4), without a target: the answer bound covers
the largest answer of every profile, a giant header is named and never decoded, and bad values of the
new options are usage errors (exit 2, no traceback). The hostile targets themselves are in tests/e2e."""

from __future__ import annotations

from tests.support.hostile_targets import giant_png
from upscale_conformance.checks import check_decodes, check_size
from upscale_conformance.client import UpscaleRequest, UpscaleResult
from upscale_conformance.client.guard import bounds_for
from upscale_conformance.client.guard.bounds import BYTES_PER_PIXEL, largest_input_pixels
from upscale_conformance.contract import SCALE, available_profiles, load_profile
from upscale_conformance.report.pictures import save_exchange

KEY = "sk_test_hostile_5f1c0e"
ANSWER_LIMIT = "3"  # run --timeout: seconds for one whole answer


# --- the bounds, one at a time, in this process ------------------------------------------------------


def test_the_answer_bound_covers_the_largest_answer_of_every_profile():
    for name in available_profiles():
        profile = load_profile(name)
        bounds = bounds_for(profile)
        largest = max(largest_input_pixels(lim) for lim in profile.limits.values()) * SCALE * SCALE
        assert bounds.answer_pixels >= largest and bounds.answer_bytes >= largest * BYTES_PER_PIXEL, name
    assert bounds_for(None).answer_bytes == 160_000_000  # the figure docs/robustness.md derives


def test_a_giant_header_is_named_and_never_decoded(tmp_path):
    for side in (60000, 12000):  # past Pillow's own bomb limit, and under it but past any answer
        result = UpscaleResult(200, {"content-type": "image/png"}, giant_png(side, side), 0.1, request="POST x")
        assert result.image is None and result.refused and result.decode_error is None
        assert result.size == (side, side) and result.format == "PNG"
        (violation,) = check_size(result, (36, 20))
        assert f"gave {side}x{side} (not decoded" in violation.message
        assert check_decodes(result) == []  # a valid giant image is not "undecodable": DIM-4X judges it
        request = UpscaleRequest(image=None)
        assert "output_image" not in save_exchange(request, result, tmp_path, f"giant-{side}")


def test_usage_errors_of_the_new_options_exit_2_without_a_traceback(tmp_path):
    from click.testing import CliRunner

    from upscale_conformance.cli.app import cli

    for bad in ("0", "-3", "soon"):
        got = CliRunner().invoke(cli, ["run", "--report-dir", str(tmp_path), "--target", "http://127.0.0.1:9",
                                       "--timeout", bad, "--plan"], env={"PHOTOROOM_API_KEY": KEY})
        assert got.exit_code == 2 and "--timeout" in got.output, got.output
    # The warning comes as the flag is read, before anything else can fail; the key is never echoed.
    got = CliRunner().invoke(cli, ["run", "--target", "https://example.invalid", "--api-key", KEY, "--plan",
                                   "--profile", "no-such-profile"])
    assert got.exit_code == 2 and "shell history" in got.output and KEY not in got.output, got.output
