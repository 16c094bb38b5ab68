"""What a set of accepted and refused sizes says about a mode's limit.

Two kinds of limit are known (``contract.Limit``): a pixel budget (``w * h <= P``) and a per-axis
bound (``w <= W and h <= H``). :func:`fit` checks every answer against both: the kind that
explains all of them is the finding, with the bracket the answers leave for its numbers; when
neither does, the limit is ``irregular`` and the two answers that contradict each other are named.

>>> obs = [Observation(1000, 1000, True), Observation(1001, 1001, False),
...        Observation(1_000_001, 1, False, "strip"), Observation(1_000_000, 1, True, "strip")]
>>> fit(obs).kind  # a per-axis bound of 1,000,000 x 1000 explains these too
'undetermined'
>>> f = fit(obs + [Observation(16, 1001, True, "tall")])
>>> f.kind, f.max_pixels, f.exact, f.describe()
('pixels', 1000000, True, '1,000,000 pixels')
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..contract import Limit

KINDS = ("pixels", "per_axis", "irregular", "unbounded", "none", "undetermined")
STRIP_ROLES = ("strip",)


@dataclass(frozen=True)
class Observation:
    """One probe of the limit: the oriented size sent and whether the target accepted it."""

    width: int
    height: int
    accepted: bool
    role: str = "square"

    @property
    def pixels(self) -> int:
        return self.width * self.height

    def describe(self) -> str:
        return f"{self.width}x{self.height} ({self.pixels:,} px) {'accepted' if self.accepted else 'refused'}"


@dataclass
class LimitFinding:
    """A mode's limit as discovered. Ranges are inclusive ``[lo, hi]``; ``hi`` None means unknown
    above ``lo``. ``exact``: the numbers of ``kind`` are known to one pixel."""

    kind: str
    max_pixels: int = 0
    max_width: int = 0
    max_height: int = 0
    pixels_range: tuple[int, int | None] | None = None
    width_range: tuple[int, int | None] | None = None
    height_range: tuple[int, int | None] | None = None
    largest_square: int = 0
    square_exact: bool = False
    exact: bool = False
    evidence: list[str] = field(default_factory=list)
    note: str = ""

    def limit(self) -> Limit | None:
        """As a contract limit (the lower bound when inexact), for the two clean kinds."""
        if self.kind == "pixels":
            return Limit("pixels", max_pixels=self.max_pixels)
        if self.kind == "per_axis":
            return Limit("per_axis", max_width=self.max_width, max_height=self.max_height)
        return None

    def describe(self) -> str:
        if self.kind in ("pixels", "per_axis"):
            text = self.limit().describe()
            if not self.exact:
                rng = self.pixels_range if self.kind == "pixels" else None
                text += f" (at least; up to {rng[1]:,})" if rng and rng[1] else " (at least)"
            return text
        if self.kind == "unbounded":
            return f"nothing refused up to {self.largest_square}x{self.largest_square}"
        if self.kind == "none":
            return "nothing accepted"
        if self.kind == "irregular":
            return "neither a pixel budget nor a per-axis bound: " + "; ".join(self.evidence)
        return "not determined (the probes allowed did not tell a pixel budget from a per-axis bound)"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LimitFinding:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for key in ("pixels_range", "width_range", "height_range"):
            if known.get(key) is not None:
                known[key] = tuple(known[key])
        return cls(**known)


def _range(lo: int, refused: list[int]) -> tuple[int, int | None]:
    return (lo, min(refused) - 1 if refused else None)


def fit(observations: list[Observation], ignore_strips: bool = False) -> LimitFinding:
    """The limit that explains every observation (strips left out when the target refuses them for
    a reason of their own)."""
    obs = [o for o in observations if not (ignore_strips and o.role in STRIP_ROLES)]
    acc, ref = [o for o in obs if o.accepted], [o for o in obs if not o.accepted]
    squares_acc = [o.width for o in acc if o.width == o.height]
    squares_ref = [o.width for o in ref if o.width == o.height]
    square = max(squares_acc, default=0)
    square_exact = bool(squares_ref) and min(squares_ref) == square + 1
    common = {"largest_square": square, "square_exact": square_exact}
    if not acc:
        return LimitFinding("none", **common)
    if not ref:
        return LimitFinding("unbounded", max_pixels=max(o.pixels for o in acc), **common)
    # Pixel budget: every accepted count below every refused one.
    p_lo, p_hi = max(o.pixels for o in acc), min(o.pixels for o in ref)
    pixels_ok = p_lo < p_hi
    # Per-axis: the smallest bound that accepts every accepted size must refuse every refused one.
    w_lo, h_lo = max(o.width for o in acc), max(o.height for o in acc)
    axis_ok = all(o.width > w_lo or o.height > h_lo for o in ref)
    if pixels_ok and not axis_ok:
        rng = (p_lo, p_hi - 1)
        return LimitFinding("pixels", max_pixels=p_lo, pixels_range=rng, exact=p_hi == p_lo + 1, **common)
    if axis_ok and not pixels_ok:
        # A refusal counts against one axis only when the other axis is known to be allowed.
        w_rng = _range(w_lo, [o.width for o in ref if o.height <= h_lo])
        h_rng = _range(h_lo, [o.height for o in ref if o.width <= w_lo])
        exact = w_rng[1] == w_lo and h_rng[1] == h_lo
        return LimitFinding("per_axis", max_width=w_lo, max_height=h_lo, width_range=w_rng, height_range=h_rng,
                            exact=exact, **common)
    if pixels_ok and axis_ok:
        return LimitFinding("undetermined", max_pixels=p_lo, pixels_range=(p_lo, p_hi - 1), **common)
    return LimitFinding("irregular", evidence=_contradictions(acc, ref, w_lo, h_lo), **common)


def _contradictions(acc: list[Observation], ref: list[Observation], w_lo: int, h_lo: int) -> list[str]:
    """Two answers no pixel budget explains, and two no per-axis bound explains."""
    most = max(acc, key=lambda o: o.pixels)
    least = min(ref, key=lambda o: o.pixels)
    out = [f"{most.describe()} but {least.describe()}"]
    inside = next(o for o in ref if o.width <= w_lo and o.height <= h_lo)
    wide = max(acc, key=lambda o: o.width)
    tall = max(acc, key=lambda o: o.height)
    out.append(f"{wide.width}x{wide.height} and {tall.width}x{tall.height} accepted but "
               f"{inside.width}x{inside.height} refused")
    return out
