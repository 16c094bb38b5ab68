"""Many bundles replayed at once (``upscale-conformance replay``): each goes to its own run's target unless
one is given, every target is opened once, one budget covers them all, and one line closes the replay."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from urllib.parse import urlparse

from ..client import Budget
from ..client.budget import DEFAULT_VENDOR_BUDGET
from ..client.target import is_local
from .bundle import Bundle
from .engine import FIXED, FLAKY, INCONCLUSIVE, STILL_FAILING, Replayed, replay


@dataclass
class Batch:
    """The bundles by target (in the order found), the tries per bundle, and the one budget of the replay."""

    groups: dict[str, list[Bundle]]
    times: int
    calls: Budget = field(default_factory=lambda: Budget(None))

    @property
    def paid(self) -> list[str]:
        """The targets that may bill a call (any but loopback)."""
        return [t for t in self.groups if not is_local(t)]

    def notice(self) -> str:
        """What the replay will cost, said before anything is sent to a paid target ("" when none is)."""
        if not self.paid:
            return ""
        bundles = sum(len(g) for g in self.groups.values())
        hosts = ", ".join(urlparse(t).netloc for t in self.paid)
        return (f"replay sends {bundles * self.times} calls ({bundles} bundles x {self.times} tries) to {hosts}, "
                f"retries and health probes apart; budget {self.calls.limit}")


def plan(bundles: list[Bundle], target: str | None, times: int, budget: int | None) -> Batch:
    """Group ``bundles`` by ``target`` (None: each bundle's own) and settle the budget: as asked, else none when
    every target is on loopback, else the larger of the default paid budget and the replay's cost."""
    groups: dict[str, list[Bundle]] = {}
    for b in bundles:
        groups.setdefault(target or b.request["target"], []).append(b)
    batch = Batch(groups, times)
    if batch.paid and budget is None:
        budget = max(DEFAULT_VENDOR_BUDGET, len(bundles) * times)
    batch.calls = Budget(budget)
    return batch


def replay_all(batch: Batch, open_session: Callable[[str, str], AbstractContextManager],
               show: Callable[[Replayed], None] = lambda done: None) -> list[Replayed]:
    """Replay every bundle of ``batch``, opening each target once: ``open_session(target, profile)`` gives a
    session (anything with a ``client``) spending ``batch.calls``. ``show`` sees each bundle as it is done."""
    outcomes = []
    for where, group in batch.groups.items():
        with open_session(where, group[0].request["profile"]) as session:
            for b in group:
                done = replay(b, session.client, batch.times)
                show(done)
                outcomes.append(done)
    return outcomes


def summary_line(outcomes: list[Replayed], calls: Budget) -> str:
    """``N bundles: a FIXED, b STILL FAILING, ...; C calls, B billable`` (outcomes that did not occur left out)."""
    counts = [f"{sum(o.outcome == k for o in outcomes)} {k}" for k in (FIXED, STILL_FAILING, FLAKY, INCONCLUSIVE)
              if any(o.outcome == k for o in outcomes)]
    return f"{len(outcomes)} bundles: " + ", ".join(counts) + f"; {calls.spent} calls, {calls.billable} billable"
