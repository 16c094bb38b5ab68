"""AUTH-*, MODE-*, ERR-*, UPLOAD-*: client mistakes get documented 4xx answers, never a 5xx."""

from __future__ import annotations

import pytest

from upscale_conformance.checks import check_rejected
from upscale_conformance.client import UpscaleRequest
from upscale_conformance.client.secret import Secret
from upscale_conformance.contract import UNSUPPORTED_HEADER
from upscale_conformance.strategies import ImageCase, request_for

SMALL = ImageCase(32, 24, seed=11)
ANY_4XX = tuple(range(400, 500))


@pytest.mark.clause("AUTH-REQUIRED", "ERR-NO-5XX", "ERR-BODY")
@pytest.mark.parametrize("key", ["", "not-a-valid-key-0000"], ids=["missing", "invalid"])
def test_a_missing_or_invalid_key_is_refused(upscale, verdict, upscale_profile, key):
    result = upscale(request_for(SMALL, api_key=Secret(key)))
    what = "an invalid key" if key else "no key"
    verdict.check(check_rejected(result, upscale_profile.status("auth"), "AUTH-REQUIRED", what))


@pytest.mark.clause("MODE-UNKNOWN", "ERR-NO-5XX", "ERR-BODY")
@pytest.mark.parametrize("mode", ["ai.medium", "ai.turbo"])
def test_an_unknown_mode_is_refused(upscale, verdict, upscale_profile, upscale_economy, mode):
    if upscale_economy and mode != "ai.medium":
        pytest.skip("economy: one unknown mode decides the clause")
    result = upscale(request_for(SMALL, mode))
    verdict.check(check_rejected(result, upscale_profile.status("unknown_mode"), "MODE-UNKNOWN", f"mode {mode!r}"))


@pytest.mark.clause("MODE-UNKNOWN", "ERR-NO-5XX", "ERR-BODY")
@pytest.mark.parametrize("how", ["missing", "empty"])
def test_no_mode_is_recorded(upscale, verdict, upscale_economy, how):
    if upscale_economy:
        pytest.skip("economy: no verdict depends on it, and a plain edit would be billed")
    # /v2/edit is the vendor's general edit endpoint and upscaling is opt-in ("To upscale an image, set
    # the argument upscale.mode"): without a mode the request may be a plain edit, so a 200 is no failure.
    request = (UpscaleRequest(image=SMALL.encode(), omit=("upscale.mode",)) if how == "missing"
               else request_for(SMALL, ""))
    result = upscale(request)
    verdict.observe("MODE-UNKNOWN", f"{how} upscale.mode: {result.status}", request=result.request)
    verdict.check(check_rejected(result, (200, *ANY_4XX), "MODE-UNKNOWN", f"{how} upscale.mode"))


# In economy, one request per kind of mistake: a missing part, bytes that are no image, a bad value.
ECONOMY_BAD_REQUESTS = ("missing imageFile", "bytes that are no image", "unknown export.format")
BAD_REQUESTS = {
    "missing imageFile": UpscaleRequest(image=None, omit=("imageFile",)),
    "bytes that are no image": UpscaleRequest(image=b"this is not an image" * 50),
    "truncated PNG": UpscaleRequest(image=SMALL.encode()[:200]),
    "empty imageFile": UpscaleRequest(image=b""),
    "unknown export.format": UpscaleRequest(image=SMALL.encode(), export_format="gif"),
    "unknown downscaleIfNeeded": UpscaleRequest(image=SMALL.encode(), downscale="sometimes"),
}


@pytest.mark.clause("ERR-NO-5XX", "ERR-BODY")
@pytest.mark.parametrize("name", list(BAD_REQUESTS))
def test_a_malformed_request_gets_a_documented_4xx(upscale, verdict, upscale_profile, upscale_economy, name):
    if upscale_economy and name not in ECONOMY_BAD_REQUESTS:
        pytest.skip(f"economy: {', '.join(ECONOMY_BAD_REQUESTS)} cover the kinds of mistake")
    result = upscale(BAD_REQUESTS[name])
    verdict.check(check_rejected(result, ANY_4XX, "ERR-NO-5XX", name))


@pytest.mark.clause("UPLOAD-MAX-BYTES", "ERR-NO-5XX")
def test_an_upload_over_30_mb_is_refused(upscale, verdict, upscale_profile):
    # Incompressible bytes behind a PNG signature: the server cannot know it is junk before reading it.
    body = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * ((upscale_profile.max_upload_bytes + 4096) // 256)
    result = upscale(UpscaleRequest(image=body))
    verdict.check(check_rejected(result, upscale_profile.status("too_large_upload"), "UPLOAD-MAX-BYTES",
                                 f"a {len(body):,}-byte imageFile"))


@pytest.mark.clause("UNSUPPORTED-ATTRS", "ERR-NO-5XX")
def test_ignored_attributes_are_recorded(upscale, verdict):
    result = upscale(request_for(SMALL, extra_fields=(("shadow.mode", "ai.soft"), ("conformance.probe", "1"))))
    header = result.headers.get(UNSUPPORTED_HEADER, "(absent)")
    verdict.observe("UNSUPPORTED-ATTRS", f"status {result.status}, pr-unsupported-attributes: {header}")
    verdict.check(check_rejected(result, (200, *ANY_4XX), "UNSUPPORTED-ATTRS", "unknown attributes"))
