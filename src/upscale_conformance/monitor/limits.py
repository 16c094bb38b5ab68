"""Comparing two limits, for monitor and for ``contract diff`` alike: did the set of accepted sizes
grow, shrink, or neither?

A change is judged by the sizes users send, not by the numbers: the new limit is **wider** when
every size the old one accepted is still accepted (a per-axis 1000x1000 becoming a 1,000,000-pixel
budget: the corner 1000x1000 stays, 2000x500 is new), else **narrower** (some size is lost,
even if others are gained: a pixel budget becoming per-axis loses its elongated shapes).

>>> axis, pixels = Limit("per_axis", max_width=1000, max_height=1000), Limit("pixels", max_pixels=1_000_000)
>>> change(axis, pixels), change(pixels, axis), change(pixels, pixels)
('wider', 'narrower', 'same')
>>> lost_size(pixels, axis)
(2000, 500)
"""

from __future__ import annotations

import math

from ..contract import Limit


def contains(outer: Limit, inner: Limit) -> bool:
    """Does ``outer`` accept every size ``inner`` accepts? (Checked at ``inner``'s extreme sizes:
    its corners for per-axis, its 1-pixel strips for a budget.)"""
    if inner.kind == "pixels":
        if outer.kind == "pixels":
            return outer.max_pixels >= inner.max_pixels
        return outer.max_width >= inner.max_pixels and outer.max_height >= inner.max_pixels
    return outer.accepts(inner.max_width, inner.max_height) and outer.accepts(inner.max_width, 1) \
        and outer.accepts(1, inner.max_height)


def change(old: Limit, new: Limit) -> str:
    """``same``, ``wider`` or ``narrower`` (see the module's docstring)."""
    if old == new:
        return "same"
    return "wider" if contains(new, old) else "narrower"


def _landmarks(limit: Limit) -> list[tuple[int, int]]:
    """Sizes a reader recognises at the edge of a limit: its square, a 4:1 shape, its corners."""
    if limit.kind == "pixels":
        side = math.isqrt(limit.max_pixels)
        wide = 2 * side
        return [(side, side), (wide, limit.max_pixels // wide), (limit.max_pixels // wide, wide),
                (limit.max_pixels, 1)]
    w, h = limit.max_width, limit.max_height
    return [(w, h), (w, 1), (1, h)]


def lost_size(old: Limit, new: Limit) -> tuple[int, int] | None:
    """A size ``old`` accepts and ``new`` refuses, for the message (None if there is none)."""
    return next((s for s in _landmarks(old) if s[0] and s[1] and old.accepts(*s) and not new.accepts(*s)), None)


def gained_size(old: Limit, new: Limit) -> tuple[int, int] | None:
    """A size ``new`` accepts and ``old`` refuses."""
    return lost_size(new, old)


def describe_change(old: Limit, new: Limit) -> str:
    """``1,000,000 pixels -> 1000x1000 per axis (narrower: 2000x500 was accepted, now refused)``."""
    verdict = change(old, new)
    text = f"{old.describe()} -> {new.describe()}"
    if verdict == "narrower":
        lost = lost_size(old, new)
        kind = "; changed kind" if old.kind != new.kind else ""
        return text + f" (narrower{kind}" + (f": {lost[0]}x{lost[1]} was accepted, now refused)" if lost else ")")
    if verdict == "wider":
        gained = gained_size(old, new)
        return text + " (wider: every size accepted before still is" + \
            (f"; {gained[0]}x{gained[1]} is now accepted)" if gained else ")")
    return text
