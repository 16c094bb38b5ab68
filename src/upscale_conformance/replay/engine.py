"""Replay: send a bundle's request again through the suite's client and judge the answer with the same
check and the same arguments.

A bundle is FIXED when every try is clean, STILL FAILING when every try fails the check again, FLAKY
when some do and some do not, and INCONCLUSIVE when a try got no answer to judge (``errors.NoAnswer``:
the target down, the budget spent, an answer past the bounds) or the bundle's finding was made by no
check replay can call again (Schemathesis's own checks): then nothing is sent.

The hostile-input battery's judge (``robustness.check_hostile_answer``) is one of the checks a bundle
may name: importing the battery registers it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import perceptual as pc
from .. import robustness  # noqa: F401  registers the battery's judge among the replayable checks
from ..checks import ANSWER, JUDGES_NO_ANSWER, REPLAYABLE, UPLOADED_PICTURE
from ..client import UpscaleClient, UpscaleResult
from ..contract import load_profile
from ..errors import AnswerTimedOut, ConformanceError, NoAnswer, TargetUnreachable
from ..verdicts import INCONCLUSIVE, Violation
from .bundle import Bundle, load_bundle

# A replay's outcomes; the fourth, INCONCLUSIVE, is the run verdict of the same name (verdicts.py).
FIXED, STILL_FAILING, FLAKY = "FIXED", "STILL FAILING", "FLAKY"


def judge(bundle: Bundle, result: UpscaleResult | None) -> list[Violation]:
    """The bundle's check called again, with its recorded arguments, on ``result``: the violations of the
    bundle's clause (a check such as check_rejected may also report other clauses, judged elsewhere)."""
    call = bundle.finding.call or {}
    check = REPLAYABLE.get(call.get("function", ""))
    if check is None:
        raise ConformanceError(f"{bundle.folder}: {not_replayable(bundle)}")
    args = {name: _argument(value, bundle, result) for name, value in call["args"].items()}
    return [v for v in check(**args) if v.clause == bundle.clause]


def _argument(value: Any, bundle: Bundle, result: UpscaleResult) -> Any:
    if value == ANSWER:
        return result
    if value == UPLOADED_PICTURE:
        return pc.open_image(bundle.upload())
    if isinstance(value, dict) and set(value) == {"profile"}:
        return load_profile(value["profile"])
    if isinstance(value, list):  # JSON has no tuples; the checks take sizes and statuses as tuples
        return tuple(_argument(v, bundle, result) for v in value)
    return value


def not_replayable(bundle: Bundle) -> str:
    """Why replay cannot judge ``bundle`` ("" when it can)."""
    call = bundle.finding.call
    if call and call.get("function") in REPLAYABLE:
        return ""
    if call:
        return f"check.json names {call.get('function')!r}, no check this version can call again"
    return ("its finding was made by no check replay can call again (only its curl.sh sends it again): "
            + bundle.finding.message[:200])


def try_once(bundle: Bundle | str | Path, client: UpscaleClient) -> list[Violation]:
    """Send the bundle's request once and judge the answer (NoAnswer propagates: the caller decides)."""
    bundle = bundle if isinstance(bundle, Bundle) else load_bundle(bundle)
    return judge(bundle, client.send(bundle.upscale_request()))


@dataclass
class Replayed:
    bundle: Bundle
    outcome: str = FIXED
    tries: int = 0
    failed: int = 0
    last: list[Violation] = field(default_factory=list)  # the violations of the last failing try
    why: str = ""  # what ended it without an answer (INCONCLUSIVE)

    def line(self) -> str:
        """One line for the terminal: outcome, bundle, check, and what the tries showed."""
        head = f"{self.outcome:<14} {self.bundle.name:<28} {(self.bundle.finding.call or {}).get('function', '')}"
        if self.outcome == INCONCLUSIVE and not self.tries and not_replayable(self.bundle):
            return f"{head}  not sent: {self.why}"
        if self.outcome == INCONCLUSIVE:
            return f"{head}  after {self.tries} tries, no answer to judge: {self.why}"
        if self.outcome == FIXED:
            return f"{head}  clean on {self.tries} of {self.tries} tries"
        # A check's message states its measurement and threshold; the full measurement is in check.json.
        v, was = self.last[0], self.bundle.finding.message
        shown = "" if v.message == was else f" (the bundle's answer: {was})"
        return f"{head}  failed {self.failed} of {self.tries} tries: now {v.code}: {v.message}{shown}"


def replay(bundle: Bundle, client: UpscaleClient, times: int,
           on_try: Callable[[int], None] | None = None) -> Replayed:
    """Send ``bundle``'s request ``times`` times through ``client`` and classify what came back."""
    out = Replayed(bundle)
    why = not_replayable(bundle)
    if why:
        out.outcome, out.why = INCONCLUSIVE, why
        return out
    for n in range(times):
        if on_try:
            on_try(n + 1)
        try:
            result = client.send(bundle.upscale_request())
        except (TargetUnreachable, AnswerTimedOut) as exc:  # the target is up: only this request went unanswered
            if (bundle.finding.call or {}).get("function") not in JUDGES_NO_ANSWER:
                out.outcome, out.why = INCONCLUSIVE, str(exc)
                return out
            result = None  # the bundle's check judges silence itself (a hostile request that got no answer)
        except NoAnswer as exc:
            out.outcome, out.why = INCONCLUSIVE, str(exc)
            return out
        out.tries += 1
        found = judge(bundle, result)
        if found:
            out.failed, out.last = out.failed + 1, found
    out.outcome = FIXED if not out.failed else STILL_FAILING if out.failed == out.tries else FLAKY
    return out


def exit_code(outcomes: list[Replayed]) -> int:
    """0 every bundle fixed, 1 one still fails or is flaky (as in ``run``, a failure beats not knowing),
    3 one could not be concluded."""
    if any(o.outcome in (STILL_FAILING, FLAKY) for o in outcomes):
        return 1
    return 3 if any(o.outcome == INCONCLUSIVE for o in outcomes) else 0
