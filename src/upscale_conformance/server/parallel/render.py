"""Upscale and encode one picture: in strips on the shared pool when that is faster, else whole.

>>> from PIL import Image
>>> from upscale_conformance.server import engines
>>> im = Image.radial_gradient("L").resize((300, 300))
>>> split = render(im, engines.CLASSIC_FAST, "png", parts=4)
>>> whole = render(im, engines.CLASSIC_FAST, "png", parts=1)
>>> Image.open(io.BytesIO(split)).tobytes() == Image.open(io.BytesIO(whole)).tobytes()
True
"""

from __future__ import annotations

import io  # noqa: F401  (the doctest reads the files)
from concurrent.futures import Executor, Future

from PIL import Image

from ...contract import SCALE
from .. import imageio
from ..engines import Engine
from . import jpeg, png, pool, strips

# The smallest answer (output pixels) worth cutting into strips. Below it, handing strips to
# threads costs more than it saves: measured on the 2-core machine, docs/reference-server.md.
SPLIT_FROM = 100_000
STRIPS_PER_CORE = 2  # more strips than cores, so a slow strip does not hold the others' core idle
MARGIN_SHARE = 10  # ... unless a strip would then be less than 10x the rows of margin it reads


def strip_count(size: tuple[int, int], margin: int = 0) -> int:
    """How many strips an answer of ``size`` is made in: one below :data:`SPLIT_FROM` pixels; else
    :data:`STRIPS_PER_CORE` a core, or one a core where that many strips would be mostly margin
    (an engine that reads ``margin`` rows around each strip redoes them in both neighbours)."""
    if size[0] * size[1] < SPLIT_FROM:
        return 1
    many = pool.cores() * STRIPS_PER_CORE
    rows = size[1] // SCALE
    return many if rows >= many * MARGIN_SHARE * 2 * margin else pool.cores()


def render(im: Image.Image, engine: Engine, export_format: str, executor: Executor | None = None,
           parts: int | None = None) -> bytes:
    """``imageio.encode(engine.upscale(im), export_format)``, to the pixel, on ``executor`` (the
    shared pool by default), in ``parts`` strips (by default :func:`strip_count`; tests and the bench
    choose)."""
    fmt = export_format.lower()
    executor = executor or pool.shared()
    size = (im.width * SCALE, im.height * SCALE)
    parts = strips.plan(im.height, parts or strip_count(size, engine.margin))
    if fmt in ("jpeg", "jpg") and len(parts) > 1:  # a restart interval counts at most 65,535 MCUs
        tallest = jpeg.max_strip_rows(size[0], "L" if im.mode in ("L", "LA") else "RGB") // SCALE
        if parts[0][1] > tallest:
            parts = strips.plan(im.height, -(-im.height // tallest))
    if len(parts) == 1:
        return executor.submit(lambda: imageio.encode(engine.upscale(im), fmt)).result()
    last = len(parts) - 1
    if fmt == "png":
        jobs = [executor.submit(_png_strip, im, engine, top, bottom, i == last)
                for i, (top, bottom) in enumerate(parts)]
        return png.assemble(size, im.mode, results(jobs))
    if fmt in ("jpeg", "jpg"):
        jobs = [executor.submit(_jpeg_strip, im, engine, top, bottom) for top, bottom in parts]
        return jpeg.assemble(results(jobs), size, parts[0][1] * SCALE)
    jobs = [executor.submit(strips.upscale, im, engine, top, bottom) for top, bottom in parts]
    whole = Image.new(im.mode, size)
    for (top, _), strip in zip(parts, results(jobs), strict=True):
        whole.paste(strip, (0, top * SCALE))
    return executor.submit(imageio.encode, whole, fmt).result()


def results(jobs: list[Future]) -> list:
    """Every job's result in order; if one fails, the strips not yet started are dropped (no core
    spends time on an answer that will not be sent) and its error is raised."""
    try:
        return [j.result() for j in jobs]
    except BaseException:
        for j in jobs:
            j.cancel()
        raise


def _png_strip(im: Image.Image, engine: Engine, top: int, bottom: int, last: bool) -> png.Piece:
    out, start = strips.upscale_with_margin(im, engine, top, bottom)  # the rows are cut by the filter:
    return png.piece(out, last, (start, start + (bottom - top) * SCALE))  # one copy of 16 MP fewer


def _jpeg_strip(im: Image.Image, engine: Engine, top: int, bottom: int) -> jpeg.Scan:
    return jpeg.scan(imageio.flatten(strips.upscale(im, engine, top, bottom)))
