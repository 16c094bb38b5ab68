"""The requests of a load run: a fixed mix over both modes, the model header, input and export
formats, each with a picture of its own.

Request ``i`` of a run is a pure function of ``(i, seed, pixel range, profile)``, so any process of
a distributed run builds the same request for the same index and a report can name it. Every
picture is a grid of random colours drawn from its index: two requests' pictures differ everywhere,
so an answer that belongs to another request is told from the right one by a thumbnail
(:mod:`.judge`), even when the sizes agree.

>>> from upscale_conformance.contract import load_profile
>>> cases = [case_for(i, 7, (4_000, 9_000), load_profile(None)) for i in range(3)]
>>> [c.label for c in cases]
['ai.fast', 'ai.fast+ai-upscale-2025-07-29', 'ai.slow']
>>> all(4_000 <= c.width * c.height <= 9_000 for c in cases)
True
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ..contract import Profile, is_ordinary

GRID = 6  # colour cells per side: the thumbnail the judge compares
INPUT_FORMATS = ("png", "jpeg", "webp")
EXPORT_FORMATS = (None, "jpeg", "webp", "png")  # None: the default (PNG) is asked for by sending nothing
_PIL = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
MIN_SIDE = 16  # every shape the mix sends is one the limit promises to accept (contract.is_ordinary)


@dataclass(frozen=True)
class LoadCase:
    """One request of the mix; ``version`` is the model header's value (None: not sent)."""

    index: int
    mode: str
    version: str | None
    input_format: str
    export_format: str | None
    width: int
    height: int
    seed: int

    @property
    def label(self) -> str:
        """How latencies are grouped: the mode, and the model it selects."""
        return self.mode if self.version is None else f"{self.mode}+{self.version}"

    def describe(self) -> str:
        export = self.export_format or "(default png)"
        return f"#{self.index} {self.label} {self.width}x{self.height} {self.input_format} -> {export}"


def modes(profile: Profile) -> list[tuple[str, str | None]]:
    """Every mode, and each switching mode once more with each known model version."""
    out: list[tuple[str, str | None]] = []
    for mode in profile.limits:
        out.append((mode, None))
        if mode in profile.switching_modes:
            out.extend((mode, v) for v in profile.known_versions)
    return out


def case_for(index: int, seed: int, pixels: tuple[int, int], profile: Profile) -> LoadCase:
    """Request ``index`` of a run: mode first, then input format, then export format cycle, so that
    any 36 consecutive requests hold every combination; the size is drawn in ``pixels``, within
    the mode's limit, with an aspect ratio up to 4:3."""
    combos = modes(profile)
    mode, version = combos[index % len(combos)]
    rest = index // len(combos)
    input_format = INPUT_FORMATS[rest % len(INPUT_FORMATS)]
    export_format = EXPORT_FORMATS[(rest // len(INPUT_FORMATS)) % len(EXPORT_FORMATS)]
    if export_format is not None and export_format not in profile.export_formats:
        export_format = None
    rng = np.random.default_rng([seed, index])
    area = int(rng.integers(pixels[0], pixels[1] + 1))
    aspect = float(rng.uniform(3 / 4, 4 / 3))
    width = max(MIN_SIDE, round(math.sqrt(area * aspect)))
    height = max(MIN_SIDE, round(area / width))
    limit = profile.limit(mode)
    width, height = limit.fit(width, height)
    if not is_ordinary(width, height):  # a pixel range far below the limit's own minimum: keep it ordinary
        width, height = max(width, MIN_SIDE), max(height, MIN_SIDE)
    return LoadCase(index, mode, version, input_format, export_format, width, height, seed)


def picture(case: LoadCase) -> Image.Image:
    """A GRID x GRID grid of random colours (from the case's seed and index) at the case's size."""
    rng = np.random.default_rng([case.seed, case.index, 1])
    cells = rng.integers(0, 256, (GRID, GRID, 3), dtype=np.uint8)
    return Image.fromarray(cells, "RGB").resize((case.width, case.height), Image.Resampling.NEAREST)


def encode(case: LoadCase) -> bytes:
    """The upload: the picture in the case's input format (lossy ones at quality 90)."""
    buf = io.BytesIO()
    fmt = _PIL[case.input_format]
    picture(case).save(buf, fmt, **({} if fmt == "PNG" else {"quality": 90}))
    return buf.getvalue()


def parse_pixels(text: str) -> tuple[int, int]:
    """``LO-HI`` in pixels (``250000-1000000``) or megapixels (``0.25-1MP``).

    >>> parse_pixels("0.25-1MP"), parse_pixels("4000-9000")
    ((250000, 1000000), (4000, 9000))
    """
    raw = text.strip().lower()
    scale = 1_000_000 if raw.endswith("mp") else 1
    parts = raw.removesuffix("mp").split("-")
    try:
        lo, hi = (round(float(p) * scale) for p in parts)
    except ValueError:
        raise ValueError(f"expected LO-HI in pixels (4000-9000) or megapixels (0.25-1MP), got {text!r}") from None
    if not MIN_SIDE * MIN_SIDE <= lo <= hi:
        raise ValueError(f"the pixel range must have {MIN_SIDE * MIN_SIDE} <= LO <= HI, got {text!r}")
    return lo, hi
