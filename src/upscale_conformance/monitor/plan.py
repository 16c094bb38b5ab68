"""What a monitor run may spend, settled and said before it sends anything."""

from __future__ import annotations

from dataclasses import dataclass

from ..client.target import is_local
from .discover import CAP
from .probes import PROBE_CALLS

DEFAULT_BUDGET = 2 * CAP + PROBE_CALLS  # the whole plan: both searches at their cap, and every probe


@dataclass(frozen=True)
class Spending:
    """The run's call cap (None: none) and what to tell the user of it; ``warning`` when the cap is below the
    plan, so the run may end partial or inconclusive."""

    limit: int | None
    said: str
    warning: str = ""


def spending(target: str, budget: int | None) -> Spending:
    """On loopback calls cost nothing: no cap unless asked. Elsewhere ``budget``, else the whole plan."""
    if is_local(target):
        note = "no cap (loopback: calls cost nothing)" if budget is None else f"at most {budget} calls"
        return Spending(budget, f"target {target}: {note}")
    chosen = DEFAULT_BUDGET if budget is None else budget
    said = (f"target {target}: at most {chosen} calls (the plan: limit search <= {CAP} per mode for 2 modes, "
            f"{PROBE_CALLS} other probes; default {DEFAULT_BUDGET}). Only answers 200 are billable: error answers "
            "cost nothing, and the limit search prefers probes the target refuses.")
    warning = "" if chosen >= DEFAULT_BUDGET else (
        f"the budget is below the {DEFAULT_BUDGET} calls the plan may need: the run may end partial (some probes "
        "left out) or inconclusive (a limit not found)")
    return Spending(chosen, said, warning)
