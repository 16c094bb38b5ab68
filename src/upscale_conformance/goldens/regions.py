"""Tolerance by region: where the contract allows freedom (a watermark, a logo a vendor may stamp), a
golden may name rectangles that the regression metrics do not see, each with a threshold of its own.

A region is part of the golden document (``regions``, optional per input)::

    "regions": [{"name": "watermark", "box": [0.6, 0.85, 1.0, 1.0], "max_mean_diff": 40}]

``box`` is (left, top, right, bottom) as fractions of the output. Before a signature is taken, on
both sides (record and check), each region is filled with one flat grey, so hashes, band energies,
thumbnail and patches compare only what lies outside; inside, only the region's mean colour is
compared, against ``max_mean_diff`` levels (the recorded mean is kept as ``mean``). To add one: edit
the golden, then ``goldens record --update`` re-records it under the mask (the regions are kept).

>>> r = regions_from([{"name": "w", "box": [0.5, 0.5, 1, 1], "max_mean_diff": 10}], "g.json")[0]
>>> r.pixels((200, 100))
(100, 50, 200, 100)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from ..errors import ContractError

FILL = 128  # the flat grey a region is masked with, on both sides


@dataclass(frozen=True)
class Region:
    name: str
    box: tuple[float, float, float, float]
    max_mean_diff: float
    mean: tuple[float, ...] = ()  # the golden's mean colour inside the region, as recorded

    def pixels(self, size: tuple[int, int]) -> tuple[int, int, int, int]:
        w, h = size
        x0, y0, x1, y1 = self.box
        return (round(x0 * w), round(y0 * h), max(round(x1 * w), round(x0 * w) + 1),
                max(round(y1 * h), round(y0 * h) + 1))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "box": list(self.box), "max_mean_diff": self.max_mean_diff}
        if self.mean:
            out["mean"] = [round(v, 2) for v in self.mean]
        return out


def regions_from(data: Any, where: str) -> list[Region]:
    """The regions of a golden document; a malformed one is a ContractError naming the golden."""
    if not data:
        return []
    out = []
    for i, item in enumerate(data if isinstance(data, list) else [None]):
        try:
            box = tuple(float(v) for v in item["box"])
            x0, y0, x1, y1 = box
            if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
                raise ValueError("box must be [left, top, right, bottom] within 0..1, left < right, top < bottom")
            limit = float(item["max_mean_diff"])
            if limit <= 0:
                raise ValueError("max_mean_diff must be above 0")
            out.append(Region(str(item.get("name") or f"region {i + 1}"), box, limit,
                              tuple(float(v) for v in item.get("mean", ()))))
        except (TypeError, KeyError, ValueError) as exc:
            raise ContractError(where, f"regions[{i}]", str(exc)) from None
    return out


def masked(image: Image.Image, regions: list[Region]) -> Image.Image:
    """``image`` with every region filled with flat grey (alpha kept), for the signature."""
    if not regions:
        return image
    out = image.copy()
    for region in regions:
        box = region.pixels(out.size)
        fill = (FILL,) * len(out.getbands())
        if "A" in out.getbands():
            fill = (*fill[:-1], 255)
        out.paste(fill, box)
    return out


def means(image: Image.Image, regions: list[Region]) -> list[Region]:
    """The regions with the mean colour ``image`` has inside each (RGB levels)."""
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64)
    out = []
    for region in regions:
        x0, y0, x1, y1 = region.pixels(image.size)
        mean = tuple(float(v) for v in rgb[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0))
        out.append(Region(region.name, region.box, region.max_mean_diff, mean))
    return out


def region_distances(golden: list[Region], candidate: list[Region]) -> dict[str, float]:
    """Per region, the largest per-channel difference of the mean colour (levels)."""
    return {f"region:{g.name}": float(max(abs(a - b) for a, b in zip(g.mean, c.mean, strict=True)))
            for g, c in zip(golden, candidate, strict=True) if g.mean and c.mean}
