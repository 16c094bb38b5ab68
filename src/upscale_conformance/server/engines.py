"""The three upscale engines of the reference server: classical stand-ins, not AI.

The vendor runs neural networks; this server exists to keep the *contract* (sizes, formats,
errors, model switching), so each engine is a deterministic classical method chosen to mimic
the documented relations between the vendor's models:

* ``ai.fast`` classic: one bicubic resize. Kept to a single Pillow call, because ``make bench``
  measures the server's overhead around exactly this path.
* ``ai.fast`` with ``pr-ai-upscale-model-version: ai-upscale-2025-07-29``: Lanczos resize plus
  an unsharp mask, so switching models visibly changes the output (crisper edges).
* ``ai.slow``: Lanczos resize refined by iterative back-projection (Irani and Peleg, 1991): the
  estimate is box-downscaled, compared with the input, and the error is upscaled and added back.
  It scores a higher round-trip PSNR than both ``ai.fast`` engines (``python -m
  upscale_conformance.server.quality``), as the vendor says slow mode should.

Every engine takes an L, LA, RGB or RGBA image and returns the same mode at exactly 4x.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter

from ..contract import NEW_FAST_MODEL, SCALE

BACK_PROJECTION_ROUNDS = 3
UNSHARP = ImageFilter.UnsharpMask(radius=2, percent=80, threshold=1)


@dataclass(frozen=True)
class Engine:
    """A named, deterministic 4x upscaler."""

    name: str
    method: str
    run: Callable[[Image.Image], Image.Image]
    # Input rows each output row reaches on either side (with edge effects): a strip upscaled from a
    # crop this much taller on both sides is exact (:mod:`.parallel.strips`; the tests find it).
    margin: int

    def upscale(self, im: Image.Image) -> Image.Image:
        return self.run(im)


def _target(im: Image.Image) -> tuple[int, int]:
    return im.width * SCALE, im.height * SCALE


def bicubic(im: Image.Image) -> Image.Image:
    return im.resize(_target(im), Image.Resampling.BICUBIC)


def lanczos_unsharp(im: Image.Image) -> Image.Image:
    big = im.resize(_target(im), Image.Resampling.LANCZOS)
    return _on_colour(big, lambda colour: colour.filter(UNSHARP))


def back_projected(im: Image.Image, rounds: int = BACK_PROJECTION_ROUNDS) -> Image.Image:
    """Lanczos, then ``rounds`` of back-projection so the result box-downscales to the input.

    The error image is kept in 8 bits with an offset of 128 (ImageChops clips it to -128..127), so
    every step is one Pillow call in C; an error beyond that range does not occur after Lanczos.
    """
    big = im.resize(_target(im), Image.Resampling.LANCZOS)  # Pillow resizes alpha premultiplied
    low = _colour(im)

    def refine(colour: Image.Image) -> Image.Image:
        for _ in range(rounds):
            error = ImageChops.subtract(low, colour.reduce(SCALE), scale=1.0, offset=128)
            colour = ImageChops.add(colour, error.resize(colour.size, Image.Resampling.BICUBIC),
                                    scale=1.0, offset=-128)
        return colour

    return _on_colour(big, refine)


def _colour(im: Image.Image) -> Image.Image:
    return im.convert(im.mode[:-1]) if im.mode in ("LA", "RGBA") else im


def _on_colour(im: Image.Image, fn: Callable[[Image.Image], Image.Image]) -> Image.Image:
    """Apply ``fn`` to the colour bands only: sharpening alpha would put halos into transparency."""
    if im.mode not in ("LA", "RGBA"):
        return fn(im)
    out = fn(_colour(im)).convert(im.mode)
    out.putalpha(im.getchannel("A"))
    return out


CLASSIC_FAST = Engine("ai.fast (classic)", "bicubic resize (one Pillow call)", bicubic, margin=3)
NEW_FAST = Engine(f"ai.fast ({NEW_FAST_MODEL})", "Lanczos resize + unsharp mask (radius 2, 80 %)",
                  lanczos_unsharp, margin=6)
SLOW = Engine("ai.slow", f"Lanczos resize + {BACK_PROJECTION_ROUNDS} rounds of iterative back-projection",
              back_projected, margin=12)
ENGINES = (CLASSIC_FAST, NEW_FAST, SLOW)


def select(mode: str, version: str | None, switching_modes: tuple[str, ...] = ("ai.fast",)) -> Engine:
    """The engine for a validated mode and model version (the version only matters where it switches)."""
    if mode == "ai.slow":
        return SLOW
    if version == NEW_FAST_MODEL and mode in switching_modes:
        return NEW_FAST
    return CLASSIC_FAST
