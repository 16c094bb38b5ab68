"""The target's health: an outage is a question about the target, not about the request.

A 502, 503 or 504, a refused or reset connection, or an answer that did not come in time may be the
target's trouble or the request's. The client asks the target before judging anything, with a request
the vendor does not bill (:func:`free_probe`: an invalid mode, refused with the documented 400); only
when that answer tells nothing (a 401 or 404 from a door in front of the service) with the *known-good*
request (a small valid upscale, :func:`known_good`), which is billed:

- the question is answered: the target is healthy around the failure, which belongs to the
  request (a 503 answered only to inputs past a limit fails a clause);
- it fails the same way: the target is **down**. No test sends anything; a probe (the same known-good
  request) goes out after the Retry-After, with backoff up to :data:`PROBE_WAIT_CAP` seconds, until
  the target answers (the run resumes) or the run's patience (:data:`DEFAULT_PATIENCE`) is spent:
  then :class:`~upscale_conformance.errors.TargetDown`, for that call and, at once, every later one.
  A target that has answered no request of the run yet is not waited for (a wrong URL is no outage).

With the defaults and ``Retry-After: 1`` the probes go out 1, 3, 7, 15, 30, 45 and 60 s after the
outage began: a run that meets a permanent outage sends at most 9 calls after it began (the failed
request, the known-good one and 7 probes) and ends about 60 s after it. docs/must-audit.md states the
rule and the sentence behind it.

>>> health = TargetHealth(patience=5, sleep=lambda s: None, clock=lambda: 0.0)
>>> health.diagnose("503 Service Unavailable", None, lambda: None)  # the known-good request is answered
True
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from ..errors import TargetDown
from .retry import parse_retry_after

OUTAGE_STATUSES = frozenset({502, 503, 504})
DEFAULT_PATIENCE = 60.0  # seconds a run waits for a target that is down
PROBE_WAIT_CAP = 15.0  # the longest wait between two probes
PROBE_TIMEOUT = 30.0  # a small upscale takes a healthy target well under this
HEALTH_MODE = "conformance.health-check"  # a mode no profile has: refused 400, never billed
# Answers to the health question that show the service itself is up: its documented refusal of the mode
# (or of the form), or an upscale after all. Another one (401, 403, 404) may come from a door in front of
# it, so the billable known-good upscale is asked then.
UP_STATUSES = frozenset({200, 400, 422})
KNOWN_GOOD_SIZE = (32, 24)  # an ordinary landscape picture, accepted by every mode of every profile


def known_good() -> bytes:
    """The known-good request's picture: a small PNG every profile accepts in every mode."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", KNOWN_GOOD_SIZE, (90, 140, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def free_probe():
    """The health question: the known-good picture with a mode no profile has. A service that is up refuses
    it with the documented 400 (unknown mode), which the vendor does not bill."""
    from .request import UpscaleRequest

    return UpscaleRequest(image=known_good(), mode=HEALTH_MODE)


def symptom_of_status(status: int, reason: str = "") -> str | None:
    """What an answer says about the target: an outage symptom for 502/503/504, else None.

    >>> symptom_of_status(503, "Service Unavailable"), symptom_of_status(500)
    ('503 Service Unavailable', None)
    """
    if status not in OUTAGE_STATUSES:
        return None
    return f"{status} {reason}".strip()


@dataclass
class Outage:
    """One stretch of time the target was down, as the run saw it."""

    began: str  # ISO time of the failed request's answer
    answered: str  # what the failed request got
    known_good: str  # what the known-good request got right after
    answered_before: int  # requests the target answered in this run before the outage
    probes: int = 0  # probes sent after the known-good request
    last: str = ""  # what the last probe got
    ended: str = ""  # ISO time it was seen back, or when the run gave up
    recovered: bool = False
    seconds: float = 0.0
    _started: float = field(default=0.0, repr=False)

    def describe(self) -> str:
        state = (f"back after {self.seconds:.0f} s" if self.recovered
                 else f"not back after {self.seconds:.0f} s of patience")
        return (f"the target is down since {self.began}: it answered {self.answered!r}, and a known-good request "
                f"sent right after got {self.known_good!r}; {self.answered_before} request(s) were answered "
                f"before it, {self.probes} probe(s) after it ({state})")

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("_started")
        data["seconds"] = round(self.seconds, 1)
        return data


class TargetHealth:
    """The health of one target as one client sees it (shared by every sender of a process).

    ``diagnose`` is called with an outage symptom; it returns True when the target is healthy (the
    failure is the request's), False when it was down and came back (send the request again), and
    raises :class:`TargetDown` when it stayed down past ``patience``.
    """

    def __init__(self, patience: float = DEFAULT_PATIENCE, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, say: Callable[[str], None] | None = None,
                 cap: float = PROBE_WAIT_CAP):
        self.patience, self.sleep, self.clock, self.say, self.cap = patience, sleep, clock, say, cap
        self.answered = 0  # answers that were not outage symptoms
        self.outages: list[Outage] = []
        self.drops: list[dict] = []  # requests whose connection broke off before any answer, answered when asked again
        self.gone: Outage | None = None

    def check_gone(self) -> None:
        """Before any request: a target given up on gets nothing more."""
        if self.gone is not None:
            raise TargetDown(self.gone.describe())

    def dropped(self, request: str, drops: list[str]) -> None:
        """``request`` was answered after its connection broke off before any answer ``len(drops)`` time(s):
        an observation of the target (its network or balancer), not a failure of the request."""
        self.drops.append({"at": _now(), "request": request, "dropped": len(drops), "last": drops[-1]})
        self._say(f"the connection broke off before any answer to {request}; asked again, it was answered "
                  "(an observation of the target, not a failure)")

    def diagnose(self, symptom: str, retry_after: str | None, probe: Callable[[], str | None]) -> bool:
        self.check_gone()
        first = probe()  # the known-good request: None when the target answered it
        if first is None:
            return True
        started = self.clock()
        outage = Outage(began=_now(), answered=symptom, known_good=first, answered_before=self.answered,
                        last=first, _started=started)
        self.outages.append(outage)
        if not self.answered:
            # Never up in this run: a wrong URL, a host that does not resolve, a server not started. The
            # patience is for a target that goes down mid-run; this one is not waited for.
            outage.ended, self.gone = _now(), outage
            raise TargetDown(f"{outage.describe()}; it has answered no request of this run: is the URL right?")
        self._say(f"{outage.describe()}; waiting up to {self.patience:g} s for it to come back")
        wait = max(parse_retry_after(retry_after) or 1.0, 1.0)
        slept = 0.0

        def waited() -> float:  # by the clock, or by the sleeps asked for where sleeping is simulated
            return max(self.clock() - started, slept)

        while waited() < self.patience:
            pause = max(0.0, min(wait, self.cap, self.patience - waited()))
            self.sleep(pause)
            slept += pause
            outage.probes += 1
            got = probe()
            outage.seconds = waited()
            if got is None:
                outage.recovered, outage.ended = True, _now()
                self._say(f"the target is back after {outage.seconds:.0f} s ({outage.probes} probe(s)): "
                          "the run goes on")
                return False
            outage.last = got
            wait = min(self.cap, wait * 2)
        outage.ended = _now()
        outage.seconds = waited()
        self.gone = outage
        raise TargetDown(outage.describe())

    def _say(self, line: str) -> None:
        if self.say is not None:
            self.say(line)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
