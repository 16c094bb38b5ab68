"""The inputs monitor sends: cheap generated probes for the limit, and fixed pictures for the rest.

A limit probe must be a real image of the exact size (a target may decode before it judges), but
its content does not matter, so it is a gradient encoded at the fastest PNG setting: a 4096x4096
probe takes well under a second and a 1,000,000x1 strip a tenth of that.

>>> from PIL import Image; import io
>>> Image.open(io.BytesIO(probe_png(300, 2))).size
(300, 2)
>>> [f.name for f in FIXED_INPUTS]
['landscape-64x48', 'portrait-48x64', 'odd-61x37']
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from PIL import Image

from ..strategies import ImageCase


def probe_png(width: int, height: int) -> bytes:
    """A ``width`` x ``height`` RGB gradient as PNG (red across, green down, blue constant)."""
    x = (np.arange(width, dtype=np.uint64) * 255 // max(1, width - 1)).astype(np.uint8)
    y = (np.arange(height, dtype=np.uint64) * 255 // max(1, height - 1)).astype(np.uint8)
    pixels = np.empty((height, width, 3), dtype=np.uint8)
    pixels[..., 0] = x[None, :]
    pixels[..., 1] = y[:, None]
    pixels[..., 2] = 128
    buf = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buf, "PNG", compress_level=1)
    return buf.getvalue()


@dataclass(frozen=True)
class FixedInput:
    """A generated picture with content (shapes, strokes, gradients), the same on every run."""

    name: str
    width: int
    height: int
    seed: int

    @property
    def case(self) -> ImageCase:
        return ImageCase(self.width, self.height, seed=self.seed)

    @cached_property
    def data(self) -> bytes:
        return self.case.encode()

    def picture(self) -> Image.Image:
        return self.case.picture()


# Three shapes: landscape, portrait, and odd sides (an off-by-one in the 4x shows there first).
# Small on purpose: each is one billable call per mode, and a signature needs only 16x16 input pixels.
FIXED_INPUTS = (
    FixedInput("landscape-64x48", 64, 48, 1101),
    FixedInput("portrait-48x64", 48, 64, 1102),
    FixedInput("odd-61x37", 61, 37, 1103),
)
