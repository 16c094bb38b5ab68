"""Judging one hostile exchange: the answer to the hostile request, and a normal request right after.

>>> from upscale_conformance.client import UpscaleResult
>>> from upscale_conformance.robustness.battery import BY_NAME
>>> r = UpscaleResult(500, {"content-type": "application/json"}, b'{"error": {"message": "boom"}}', 0.1)
>>> [v.code for v in judge_answer(BY_NAME["two-imageFile-parts"], r, ((40, 30),))]
['server_error_for_hostile_input']
>>> [v.code for v in judge_answer(BY_NAME["json-body"], r, ())]
['server_error_for_hostile_input']
"""

from __future__ import annotations

from dataclasses import replace

from ..checks import ANSWER, JUDGES_NO_ANSWER, answered, check_decodes, check_error_body, replayable
from ..client import UpscaleResult
from ..contract import SCALE
from ..verdicts import Violation
from .battery import BY_NAME, EITHER, REFUSE, Hostile

NORMAL_SIZE = (32, 24)  # the normal request sent after each hostile one


def judge_answer(hostile: Hostile, result: UpscaleResult, sizes: tuple[tuple[int, int], ...]) -> list[Violation]:
    """A hostile request's answer: never a 5xx; a 4xx where no reading makes it valid; a 200 only
    where one may, and then a decodable image exactly 4x one of ``sizes``; documented error bodies."""
    what = f"{hostile.name} ({hostile.what})"
    status = result.status
    if status >= 500:
        out = [Violation("server_error_for_hostile_input", "ROB-NO-5XX", f"{what} got {status}", **answered(result))]
    elif 400 <= status < 500:
        out = []
    elif status == 200 and hostile.expect == EITHER:
        out = check_decodes(result) + _check_size_among(result, sizes, what)
    else:
        code = "hostile_input_accepted" if status == 200 else "neither_4xx_nor_200"
        expected = "a 4xx" if hostile.expect == REFUSE else "a 4xx or a 200"
        out = [Violation(code, "ROB-REFUSED", f"{what} got {status}, expected {expected}", **answered(result))]
    if status >= 400:
        out += check_error_body(result)
    return out


@replayable
def check_hostile_answer(result: UpscaleResult | None, hostile: str,
                         sizes: tuple[tuple[int, int], ...]) -> list[Violation]:
    """:func:`judge_answer` for the battery entry named ``hostile``: the call a failure records, so that
    replay (replay/engine.py) sends the hostile request again and judges it the same way. ``None``: the
    request got no answer while the target was up (the client's known-good request was answered), the
    ROB-ANSWERED finding."""
    if result is None:
        return judge_unanswered(BY_NAME[hostile], "again no answer, while the target answers its known-good "
                                                  "request", alive=True)
    return judge_answer(BY_NAME[hostile], result, tuple(tuple(s) for s in sizes))


JUDGES_NO_ANSWER.add(check_hostile_answer.__name__)


def check_unanswered(hostile: Hostile, why: str, sizes: tuple[tuple[int, int], ...]) -> list[Violation]:
    """A hostile request without an answer while the normal request right after was answered: the
    ROB-ANSWERED finding, with the call replay makes (:func:`check_hostile_answer` on the new answer, or on
    none)."""
    call = {"function": check_hostile_answer.__name__,
            "args": {"result": ANSWER, "hostile": hostile.name, "sizes": [list(s) for s in sizes]}}
    return [replace(v, call=call) for v in judge_unanswered(hostile, why, alive=True)]


def _check_size_among(result: UpscaleResult, sizes: tuple[tuple[int, int], ...], what: str) -> list[Violation]:
    allowed = [(w * SCALE, h * SCALE) for w, h in sizes]
    if result.size in allowed or result.size is None:  # None: check_decodes names it
        return []
    shown = " or ".join(f"{w}x{h}" for w, h in allowed)
    return [Violation("size_not_4x", "DIM-4X", f"{what} was accepted, but the answer is "
                      f"{result.size[0]}x{result.size[1]}, expected {shown}",
                      **answered(result, output_size=result.size, expected=allowed))]


def judge_unanswered(hostile: Hostile, why: str, alive: bool) -> list[Violation]:
    """No answer at all (a timeout or a dropped connection) counts against the hostile request only
    if the target answered the normal request right after; otherwise the target is gone (inconclusive)."""
    if not alive:
        return []
    return [Violation("no_answer", "ROB-ANSWERED", f"{hostile.name} ({hostile.what}) got no answer, while a normal "
                      f"request right after did: {why}", {"reason": why}, request=hostile.name)]


def judge_liveness(hostile: Hostile, result: UpscaleResult, free: bool,
                   before: UpscaleResult | None = None) -> list[Violation]:
    """The normal request right after: a 200 exactly 4x (on a free target), or any answer that is not
    a 5xx (on a paid one, where the probe is a free refused request). No answer at all is not judged
    here: the target is gone, and the run says so as inconclusive.

    ``before`` is the same request's answer before the battery: an answer that is wrong the same way it
    was then (an off-by-one size every request shows) is a fault present all along, which other clauses
    judge, not a change the hostile input made.

    >>> from upscale_conformance.client import UpscaleResult
    >>> from upscale_conformance.robustness.battery import BY_NAME
    >>> broken = UpscaleResult(500, {}, b"", 0.1)
    >>> [v.code for v in judge_liveness(BY_NAME["json-body"], broken, False)]
    ['target_broken_after']
    >>> judge_liveness(BY_NAME["json-body"], broken, False, before=broken)
    []
    """
    if before is not None and same_answer(before, result):
        return []
    after = f"right after {hostile.name}"
    was = "" if before is None else f" (before the battery: {shown(before)})"
    if result.status >= 500:
        return [Violation("target_broken_after", "ROB-ALIVE", f"{after}, a normal request got {result.status}{was}",
                          **answered(result, after=hostile.name))]
    if free:
        want = (NORMAL_SIZE[0] * SCALE, NORMAL_SIZE[1] * SCALE)
        if result.status != 200 or result.size != want:
            normal = f"{NORMAL_SIZE[0]}x{NORMAL_SIZE[1]}"
            return [Violation("target_broken_after", "ROB-ALIVE", f"{after}, a normal {normal} request got "
                              f"{result.status} {result.size or ''}, expected 200 {want[0]}x{want[1]}{was}",
                              **answered(result, after=hostile.name))]
    return []


def same_answer(before: UpscaleResult, after: UpscaleResult) -> bool:
    """The same request answered the same way twice: the status, and a 200's picture size."""
    if before.status != after.status:
        return False
    return before.status != 200 or before.size == after.size


def shown(result: UpscaleResult) -> str:
    size = f" {result.size[0]}x{result.size[1]}" if result.status == 200 and result.size else ""
    return f"{result.status}{size}"
