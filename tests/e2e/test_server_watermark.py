"""The reference server marks results for a ``sandbox_`` key, as the vendor does (CONTRACT-NOTES)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.parametrize(("key", "marked"), [("sandbox_0123", True), ("sk_live_0123", False)])
def test_sandbox_results_carry_a_watermark_and_others_do_not(local_server, edit, make_picture, encode_image,
                                                              decode_image, key, marked):
    url = local_server(api_key=key)
    picture = make_picture(64, 48)
    response = edit(url, encode_image(picture), key=key)
    assert response.status_code == 200
    out = decode_image(response.content)
    assert out.size == (256, 192)
    plain = edit(local_server(api_key="sk_other"), encode_image(picture), key="sk_other")
    differs = np.abs(np.asarray(out, dtype=np.int16) - np.asarray(decode_image(plain.content), dtype=np.int16))
    assert bool(differs.max() > 40) is marked  # the mark is a visible overlay, not noise
    if marked:
        assert 0.02 < (differs.max(axis=2) > 20).mean() < 0.4  # over part of the picture, not all of it
