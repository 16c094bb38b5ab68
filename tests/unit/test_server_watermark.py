"""The sandbox watermark on a picture: it keeps the mode, the size and the alpha."""

from __future__ import annotations

import numpy as np

from upscale_conformance.server.watermark import watermark


def test_the_watermark_keeps_mode_size_and_alpha(make_picture):
    for mode in ("RGB", "RGBA", "L", "LA"):
        im = make_picture(80, 60, mode if mode != "L" else "RGB").convert(mode)
        out = watermark(im)
        assert (out.mode, out.size) == (mode, im.size)
        if "A" in mode:
            assert np.array_equal(np.asarray(out.getchannel("A")), np.asarray(im.getchannel("A")))
