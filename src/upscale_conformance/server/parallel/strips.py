"""One upscale cut into horizontal strips that run on different cores and join without a seam.

Every engine is local: an output row depends only on the input rows within its ``margin`` (the
filter's reach, grown by whatever the engine does after the resize). A strip is upscaled from a
crop of the input that reaches ``margin`` rows past it on each side, and the rows that crop gives
for the strip itself are kept. Cropping, not ``resize(box=...)``: Pillow chooses the fixed-point
precision of a resize from its largest coefficient, and the edge rows of an image have the
largest; a crop has edges of its own as the whole image has, so its precision is the same and its
rows are the same to the bit, where a box resize of the middle of the image rounds differently.

>>> plan(1000, 4)
[(0, 252), (252, 504), (504, 756), (756, 1000)]
>>> plan(10, 4)  # strips are at least MIN_ROWS high
[(0, 10)]
"""

from __future__ import annotations

from PIL import Image

from ...contract import SCALE
from ..engines import Engine

ALIGN = 4  # input rows: strips start at multiples of 4, i.e. 16 output rows, a JPEG MCU row
MIN_ROWS = 16  # input rows: a thinner strip would be mostly margin


def plan(height: int, parts: int, align: int = ALIGN) -> list[tuple[int, int]]:
    """``parts`` strips (fewer for a short image) of equal height, a multiple of ``align``, the last
    one taking what is left: [(top, bottom), ...] in input rows."""
    parts = max(1, min(parts, height // MIN_ROWS))
    step = -(-height // parts)  # ceiling
    step = -(-step // align) * align
    return [(top, min(top + step, height)) for top in range(0, height, step)]


def upscale_with_margin(im: Image.Image, engine: Engine, top: int, bottom: int) -> tuple[Image.Image, int]:
    """The engine's output for the input rows ``top`` to ``bottom`` and the margin around them, and
    the output row where the strip's own rows begin (they run for ``(bottom - top) * SCALE`` rows)."""
    first, last = max(0, top - engine.margin), min(im.height, bottom + engine.margin)
    crop = im if (first, last) == (0, im.height) else im.crop((0, first, im.width, last))
    return engine.upscale(crop), (top - first) * SCALE


def upscale(im: Image.Image, engine: Engine, top: int, bottom: int) -> Image.Image:
    """Output rows ``top * SCALE`` to ``bottom * SCALE`` of ``engine.upscale(im)``, the same pixels,
    from the input rows the engine reads for them."""
    out, start = upscale_with_margin(im, engine, top, bottom)
    rows = (bottom - top) * SCALE
    return out if (start, rows) == (0, out.height) else out.crop((0, start, out.width, start + rows))
