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
# The run's overall deadline by depth (run --deadline, --upscale-deadline; 0: none): past it nothing more is
# sent and the run ends exit 3 with what it judged. A quick run against the reference server takes about
# a minute, a full one a few; a paid vendor's slower answers fit well within these.
DEFAULT_DEADLINE = {"quick": 1200.0, "full": 7200.0}
DEGRADED_AFTER = 3  # answers in a row that did not arrive in time, while the health question did: degraded
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


def degraded(timed_out: int, after: int = DEGRADED_AFTER) -> bool:
    """A target whose answers timed out ``timed_out`` times in a row, the health question answered around
    each, is degraded: it answers, but too slowly for any verdict (a trickle, an overloaded backend).

    >>> degraded(2), degraded(3)
    (False, True)
    """
    return timed_out >= after


def resets(size: int, received: list[int]) -> bool:
    """Whether a complete answer of ``size`` bytes shows the target is not degraded after all: it is larger
    than what one of the answers that timed out had received (small answers getting through show nothing).

    >>> resets(300, [8000, 7900]), resets(9000, [8000, 7900]), resets(10, [0])
    (False, True, True)
    """
    return bool(received) and size > min(received)


def rate(received: int, seconds: float) -> float:
    """Bytes per second an answer arrived at.

    >>> rate(5120, 5.0)
    1024.0
    """
    return received / seconds if seconds > 0 else 0.0


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
    why: str = ""  # a target given up on for another reason than being down: degraded, or the run's deadline
    _started: float = field(default=0.0, repr=False)

    def describe(self) -> str:
        if self.why:
            return self.why
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
        self.slow: list[tuple[int, float]] = []  # (bytes received, seconds) of the answers that timed out in a row
        self.deadline: float | None = None  # by ``clock``: no request is sent after it (the run's deadline)
        self.deadline_seconds = 0.0
        self.gone: Outage | None = None

    def check_gone(self) -> None:
        """Before any request: a target given up on gets nothing more, nor does any after the run's deadline."""
        if self.gone is None and self.deadline is not None and self.clock() >= self.deadline:
            self._give_up(f"the run's deadline of {self.deadline_seconds:g} s passed (run --deadline): nothing more "
                          "is sent, and what was not judged by then is INCONCLUSIVE")
        if self.gone is not None:
            raise TargetDown(self.gone.describe())

    def timed_out(self, received: int, seconds: float, request: str) -> None:
        """An answer to ``request`` did not arrive within ``seconds`` (``received`` bytes of it did), while the
        health question was answered: the request's test is inconclusive, and :data:`DEGRADED_AFTER` of them
        in a row end the run (:class:`TargetDown`, naming the rate measured)."""
        self.slow.append((received, seconds))
        if not degraded(len(self.slow)):
            return
        got = sum(r for r, _ in self.slow)
        measured = rate(got, sum(s for _, s in self.slow))
        self._give_up(f"the target is degraded: {len(self.slow)} answers in a row did not arrive within "
                      f"{seconds:g} s while small answers got through (the last: {request}); answers arrived at "
                      f"about {measured:.0f} bytes/s ({got} bytes in {sum(s for _, s in self.slow):.0f} s)")
        raise TargetDown(self.gone.describe())

    def complete(self, size: int) -> None:
        """An answer of ``size`` bytes arrived whole: larger than a timed-out one had got, the count restarts."""
        if resets(size, [r for r, _ in self.slow]):
            self.slow = []

    def _give_up(self, why: str) -> None:
        self.gone = Outage(began=_now(), answered=why, known_good="answered", answered_before=self.answered,
                           ended=_now(), why=why)
        self.outages.append(self.gone)
        self._say(why)

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
