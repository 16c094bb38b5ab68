"""The largest accepted value of a monotone yes/no answer, found with few questions.

Each question is a call to the target, so the order is chosen for cost: the hint (the last known
limit) is checked first, one above it before it, because a refused probe costs nothing on the
vendor and, when nothing changed, confirms the edge at once. A wrong hint is left by galloping
(steps 1, 2, 4, ... away from it, so a small move stays cheap and a large one costs its
logarithm), then one guess at the roundest number in the bracket (vendors write limits such as
1,000,000 or 262,144), then plain bisection.

>>> asked = []
>>> def accepts(n):
...     asked.append(n)
...     return n <= 1000
>>> find_edge(accepts, hint=1000), asked
(Edge(lo=1000, hi=1001), [1001, 1000])
>>> asked.clear(); find_edge(lambda n: asked.append(n) or n <= 512, hint=1000), len(asked)
(Edge(lo=512, hi=513), 13)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# A power of two reads a little less round than the decimal of the same size (1024 vs 1000).
BINARY_DIGIT = 3.4


@dataclass(frozen=True)
class Edge:
    """``lo`` is the largest value seen accepted (0: none), ``hi`` the smallest seen refused
    (None: nothing refused up to the ceiling)."""

    lo: int
    hi: int | None

    @property
    def exact(self) -> bool:
        return self.hi is not None and self.hi == self.lo + 1


def roundness(n: int) -> float:
    """How round a number looks to whoever writes a limit: trailing decimal zeros, or trailing
    binary zeros counted in (slightly discounted) decimal digits.

    >>> roundness(1_000_000), roundness(512_000) > roundness(511_999), round(roundness(262_144), 1)
    (6, True, 5.3)
    """
    if n <= 0:
        return 0.0
    tens = len(str(n)) - len(str(n).rstrip("0"))
    twos = (n & -n).bit_length() - 1
    return max(tens, twos / BINARY_DIGIT)


def roundest(lo: int, hi: int, min_score: float = 2.0) -> int | None:
    """The roundest integer strictly between ``lo`` and ``hi`` (nearest the middle on ties), or
    None if none reaches ``min_score`` (a multiple of 100 or of 128).

    >>> roundest(511_225, 512_656), roundest(999, 1003), roundest(1001, 1020)
    (512000, 1000, None)
    """
    mid = (lo + hi) / 2
    best: tuple[float, float, int] | None = None
    for base in (10, 2):
        step = base
        while step < hi:
            c = (lo // step + 1) * step
            # Every multiple of ``step`` inside the bracket is a candidate; the nearest to the middle wins.
            near = min((c, c + step * max(0, round((mid - c) / step))), key=lambda x: abs(x - mid))
            for cand in {c, near}:
                if lo < cand < hi:
                    key = (roundness(cand), -abs(cand - mid), cand)
                    if best is None or key > best:
                        best = key
            step *= base
    return best[2] if best is not None and best[0] >= min_score else None


def find_edge(accepts: Callable[[int], bool], lo: int = 0, hi: int | None = None, hint: int | None = None,
              ceiling: int = 1 << 62) -> Edge:
    """Largest ``n`` in ``[1, ceiling]`` with ``accepts(n)``, assuming the answer is monotone.

    ``lo`` / ``hi``: already known accepted / refused values. ``accepts`` may raise to stop the
    search (a spent budget); the bracket found so far is then lost to the caller, which keeps its
    own record of the answers.
    """
    state = {"lo": lo, "hi": hi}

    def is_open(n: int) -> bool:
        return 1 <= n <= ceiling and state["lo"] < n and (state["hi"] is None or n < state["hi"])

    def ask(n: int) -> None:
        if accepts(n):
            state["lo"] = max(state["lo"], n)
        else:
            state["hi"] = n if state["hi"] is None else min(state["hi"], n)

    if hint is not None:
        for n in (hint + 1, hint):  # the refused side first: on the vendor it is free
            if is_open(n):
                ask(n)
    step = 1
    while state["hi"] is None and state["lo"] < ceiling:  # gallop up
        ask(min(ceiling, state["lo"] + step))
        step *= 2
    if state["hi"] is None:
        return Edge(state["lo"], None)
    step = 1
    while state["lo"] == 0 and state["hi"] > 1:  # gallop down
        ask(max(1, state["hi"] - step))
        step *= 2
    if state["hi"] - state["lo"] > 3:
        guess = roundest(state["lo"], state["hi"])
        for n in (() if guess is None else (guess + 1, guess)):
            if is_open(n):
                ask(n)
    while state["hi"] - state["lo"] > 1:
        ask((state["lo"] + state["hi"]) // 2)
    return Edge(state["lo"], state["hi"])
