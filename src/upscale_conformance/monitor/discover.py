"""Discovering one mode's input limit from the target's answers, in at most ``cap`` calls.

The plan, for a hint (the baseline's or the profile's limit) that still holds:

1. **squares**: the side one above the hint's largest square (expected refused, free on the
   vendor), then the hint's side (accepted): the square edge is exact in two calls;
2. **pixels**: a strip ``n x 1`` one pixel over the hint's budget (refused), then a strip of
   exactly the largest accepted square's count (accepted, which also proves the target takes
   strips at all): the budget is exact to one pixel;
3. **axes**: ``(s+1) x 16`` and ``16 x (s+1)``, each skipped when an accepted answer already
   reaches past ``s`` on that axis: a per-axis bound of ``s`` refuses them, a pixel budget of
   at least ``s*s`` accepts them. A per-axis hint runs this branch first;
4. :func:`fit.fit` decides the kind from all the answers.

A wrong hint costs more: the square edge is searched (gallop, one round-number guess, bisect),
and before strips are trusted one strip with the count of the refused square is sent: a pixel
budget must refuse it, so an acceptance shows a boundary that depends on the shape.

>>> answers = lambda w, h, role: w * h <= 262_144  # a pixel budget of 512x512
>>> f = discover(answers, hint=Limit("pixels", max_pixels=262_144)).finding
>>> f.kind, f.max_pixels, f.exact, f.largest_square
('pixels', 262144, True, 512)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..contract import Limit
from .fit import STRIP_ROLES, LimitFinding, Observation, fit
from .search import find_edge

CAP = 24  # calls per mode, the promise
MAX_SIDE = 4096  # largest square probed: 16.7 MP, still quick to generate and far over any known limit
SMALL_SIDE = 16  # the other side of the per-axis probes: cheap, and within any plausible limit
START_SIDE = 64  # where the square search starts without a hint: any upscaler takes 64x64


class CapReached(Exception):
    """The per-mode call cap is spent; the finding is made from the answers so far."""


@dataclass
class Discovery:
    """The answers collected for one mode; ``send(w, h, role)`` asks the target."""

    send: Callable[[int, int, str], bool]
    cap: int = CAP
    spent: Callable[[], int] | None = None  # requests sent so far, retries included (default: one per probe)
    observations: list[Observation] = field(default_factory=list)
    strips_refused: bool = False  # the target refuses strips whatever their count
    finding: LimitFinding | None = None
    stopped: str = ""

    def accepts(self, width: int, height: int, role: str = "square") -> bool:
        for o in self.observations:  # never pay twice for the same size
            if (o.width, o.height) == (width, height):
                return o.accepted
        if (self.spent() if self.spent else len(self.observations)) >= self.cap:
            raise CapReached(f"the cap of {self.cap} calls for this mode was reached")
        accepted = bool(self.send(width, height, role))
        self.observations.append(Observation(width, height, accepted, role))
        return accepted

    def fit(self) -> LimitFinding:
        return fit(self.observations, ignore_strips=self.strips_refused)

    @property
    def calls(self) -> int:
        return len(self.observations)


def discover(send: Callable[[int, int, str], bool], hint: Limit | None = None, cap: int = CAP,
             max_side: int = MAX_SIDE, spent: Callable[[], int] | None = None) -> Discovery:
    """Run the plan above; ``send(w, h, role)`` returns True when the target accepts ``w x h``.
    ``spent()``, if given, counts the requests really sent (a retried one counts twice)."""
    d = Discovery(send, cap, spent)
    try:
        _plan(d, hint, max_side)
    except CapReached as exc:
        d.stopped = str(exc)
    d.finding = d.fit()
    if d.stopped:
        d.finding.note = d.stopped + "; the limit is given as far as the answers so far tell"
    elif d.strips_refused:
        d.finding.note = "the target refuses 1-pixel strips, so the pixel count is known only to a bracket"
    return d


def _plan(d: Discovery, hint: Limit | None, max_side: int) -> None:
    side_hint = hint.largest_square() if hint else START_SIDE
    edge = find_edge(lambda n: d.accepts(n, n), hint=side_hint, ceiling=max_side)
    if edge.hi is None or edge.lo == 0:
        return  # nothing refused up to max_side, or nothing accepted: no kind to tell
    s = edge.lo
    hint_holds = hint is not None and side_hint == s
    # A hint that held is trusted for the order; otherwise the two cheap axis probes settle the
    # kind before any calls go to exactness, so a spent cap still leaves the kind known.
    pixel_first = hint_holds and hint.kind == "pixels"
    for branch in ((_pixel_branch, _axis_branch) if pixel_first else (_axis_branch, _pixel_branch)):
        branch(d, s, hint, hint_holds)
        found = d.fit()
        if found.kind == "irregular" or (found.kind in ("pixels", "per_axis") and found.exact):
            break
    if d.fit().kind == "irregular" and _strip_refused_at_known_count(d):
        # Strips contradict the other answers. If a short strip (a quarter of the square's count)
        # is refused too, the target refuses strips for a reason of their own (a maximum side,
        # an aspect ratio) and they say nothing about pixels; if it is accepted, the boundary
        # really depends on the shape.
        if not d.accepts(max(1, s * s // 4), 1, "strip") and _fits_without_strips(d):
            d.strips_refused = True
            _bracket_without_strips(d, s)


def _pixel_branch(d: Discovery, s: int, hint: Limit | None, hint_holds: bool) -> None:
    """Pin the pixel count with strips ``n x 1``: their count moves by one pixel at a time."""
    if d.fit().kind not in ("pixels", "undetermined"):
        return
    over = (s + 1) ** 2  # the count of the smallest refused square
    if not hint_holds and d.accepts(over, 1, "strip"):
        return  # accepted at a count a square was refused at: the boundary depends on the shape
    budget_hint = s * s  # limits are often stated as a square (262,144 = 512x512)
    if hint is not None:
        hinted = hint.max_pixels if hint.kind == "pixels" else hint.max_width * hint.max_height
        budget_hint = hinted if s * s <= hinted < over else budget_hint
    strips_before = sum(1 for o in d.observations if o.role in STRIP_ROLES and o.accepted)
    edge = find_edge(lambda n: d.accepts(n, 1, "strip"), lo=s * s, hi=over, hint=budget_hint)
    if sum(1 for o in d.observations if o.role in STRIP_ROLES and o.accepted) == strips_before:
        # No strip was accepted, so each refusal may be about strips, not pixels: confirm with a
        # strip of a count the squares prove acceptable.
        d.accepts(edge.lo, 1, "strip")


def _strip_refused_at_known_count(d: Discovery) -> bool:
    square = max((o.pixels for o in d.observations if o.accepted and o.role not in STRIP_ROLES), default=0)
    return any(o.role in STRIP_ROLES and not o.accepted and o.pixels <= square for o in d.observations)


def _fits_without_strips(d: Discovery) -> bool:
    return fit(d.observations, ignore_strips=True).kind in ("pixels", "undetermined")


def _axis_branch(d: Discovery, s: int, hint: Limit | None, hint_holds: bool) -> None:
    """``(s+1) x small`` and ``small x (s+1)``: refused only by a per-axis bound of ``s``."""
    small = min(SMALL_SIDE, s)
    # An accepted answer past ``s`` on an axis already shows that axis is not bounded at ``s``.
    wide = any(o.accepted and o.width > s for o in d.observations) or d.accepts(s + 1, small, "wide")
    tall = any(o.accepted and o.height > s for o in d.observations) or d.accepts(small, s + 1, "tall")
    if wide != tall:  # one axis reaches further than the square edge: find how far
        axis_hint = None
        if hint is not None and hint.kind == "per_axis":
            axis_hint = hint.max_width if wide else hint.max_height
        probe = (lambda n: d.accepts(n, small, "wide")) if wide else (lambda n: d.accepts(small, n, "tall"))
        find_edge(probe, lo=s + 1, hint=axis_hint, ceiling=max(MAX_SIDE, 4 * s))


def _bracket_without_strips(d: Discovery, s: int) -> None:
    """Strips refused, yet no per-axis bound: narrow the pixel count with ``(s+1) x h`` shapes,
    whose count moves by ``s+1``: the budget is then known to within ``s`` pixels."""
    w = s + 1
    small = min(SMALL_SIDE, s)
    find_edge(lambda h: d.accepts(w, h, "wide"), lo=small, hi=s + 1, hint=s * s // w)
