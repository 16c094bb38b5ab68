"""Judging one answer under load with the suite's own checks, plus the one check load needs more:
that the picture is this request's picture.

Every valid request of the mix is within its mode's limit and of an ordinary shape, so the
contract promises it a 200 that is exactly 4x, decodes, is in the asked format and shows the
input. A 429 is the vendor's documented rate limit (500 images a minute): counted, not a
violation. No answer to judge (the client's :class:`~upscale_conformance.errors.NoAnswer`: the
target down, no answer in time, one past the guard's bounds, credits spent), or a key refusal,
leaves the request unjudged: the run cannot say, so it is inconclusive, not failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from .. import checks
from ..client import UpscaleResult
from ..contract import SCALE, Profile
from ..errors import RateLimited
from ..verdicts import Violation
from .mix import GRID, LoadCase, picture

# Mean level difference of the GRID x GRID thumbnails of the input and of the answer scaled down.
# Measured on the reference server over 36 requests of the mix (3,000-20,000 px, every mode, input
# and export format): an honest answer is at most 7.9 away (8.3 with a sandbox key's watermark),
# another request's picture at least 69 (81 on average: random colours, |a - b| averages 256 / 3).
OWN_PICTURE_MAX = 24.0

OK, VIOLATION, RATE_LIMITED, NO_ANSWER = "ok", "violation", "rate_limited", "no_answer"


@dataclass
class Answer:
    """What one request of a load run got, and the verdict on it (JSON-ready, no key, no pixels)."""

    index: int
    label: str
    request: str
    status: int  # 0: no answer
    seconds: float
    outcome: str
    bytes: int = 0
    note: str = ""
    violations: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def thumbnail(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB").resize((GRID, GRID), Image.Resampling.BOX), dtype=np.float32)


def check_own_picture(case: LoadCase, result: UpscaleResult) -> list[Violation]:
    """The answer shows this request's picture, not another's (an answer swapped between requests)."""
    image = result.image
    if image is None or result.size != (case.width * SCALE, case.height * SCALE):
        return []  # check_decodes / check_size report it
    distance = float(np.abs(thumbnail(picture(case)) - thumbnail(image)).mean())
    if distance <= OWN_PICTURE_MAX:
        return []
    return [Violation("answer_of_another_request", "FIDELITY-GEOMETRY",
                      f"the answer does not show this request's picture: its {GRID}x{GRID} thumbnail differs from "
                      f"the input's by {distance:.0f} levels on average (at most {OWN_PICTURE_MAX:.0f} allowed; "
                      "another request's picture differs by about 80)",
                      **checks.answered(result, thumbnail_distance=round(distance, 1)))]


def _limit_clause(case: LoadCase) -> str:
    return "LIMIT-SLOW-MAX" if case.mode == "ai.slow" else "LIMIT-FAST-MAX"


def violations_of(case: LoadCase, result: UpscaleResult, profile: Profile) -> list[Violation]:
    """The suite's checks for an answer to a valid request, as the suites call them."""
    if result.status == 200:
        found = checks.check_decodes(result)
        found += checks.check_size(result, (case.width, case.height))
        found += checks.check_format(result, case.export_format, profile)
        return found + check_own_picture(case, result)
    found = checks.check_no_server_error(result, "a valid request under load")
    if result.status < 500:  # a 4xx to a request the limit accepts
        found += checks.check_accepted(result, _limit_clause(case), "a valid request under load")
    return found + checks.check_error_body(result)


def judge(case: LoadCase, result: UpscaleResult, profile: Profile) -> Answer:
    """The verdict on one answer the client returned (a 429 or no answer raises instead: :func:`unanswered`)."""
    answer = Answer(case.index, case.label, case.describe(), result.status, round(result.elapsed, 4), OK,
                    len(result.content))
    if result.status in (401, 403):  # the key, not the target's behaviour under load: nothing to judge
        answer.outcome, answer.note = NO_ANSWER, f"the key was refused ({result.status})"
        return answer
    found = violations_of(case, result, profile)
    if found:
        answer.outcome = VIOLATION
        answer.violations = [{"code": v.code, "clause": v.clause, "message": v.message} for v in found]
    return answer


def unanswered(case: LoadCase, error: Exception, seconds: float, scrub: Callable[[str], str]) -> Answer:
    """A request without an answer to judge: a 429 (the client's :class:`RateLimited`: counted), or any
    other :class:`~upscale_conformance.errors.NoAnswer` (or a bug of ours): inconclusive, with the
    message passed through ``scrub`` so no key reaches a report."""
    answer = Answer(case.index, case.label, case.describe(), 0, round(seconds, 4), NO_ANSWER)
    if isinstance(error, RateLimited):
        answer.status, answer.outcome = 429, RATE_LIMITED
        answer.note = f"Retry-After: {error.retry_after}" if error.retry_after else "no Retry-After"
    else:
        answer.note = scrub(f"{type(error).__name__}: {error}")
    return answer
