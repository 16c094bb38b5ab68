"""The client: the one way any command reaches a target.

Every request goes through one :class:`Budget` shared by the run, so a run against the paid API can
never spend more calls than it announced; retries and health probes are spent from it too. One retry
policy (:mod:`.retry`), one bounded reader (:mod:`.guard`: a 200's body at most the largest answer the
contract allows, an error body 1 MiB, the whole answer within ``timeout`` seconds) and one rule for
what is inconclusive:

- 429: the target is busy; sent again after Retry-After, then :class:`RateLimited`;
- 502, 503, 504, a refused or reset connection, an answer that did not come in time: first a
  question about the target (:mod:`.health`). Down past the patience: :class:`TargetDown`;
  healthy around it: a 5xx is sent once more, then returned and judged as an answer; a request
  whose connection broke off before any answer is asked again (up to :data:`REASKS` times) before
  anything is judged on it, and a drop that does not repeat is recorded as an observation of the
  target (:attr:`TargetHealth.drops`); a request whose answer timed out or broke off once it had begun
  is never sent again (on the vendor it may have been billed);
- 402 to the run's own key: :class:`CreditsExhausted`, for that call and every later one;
- an answer past the bounds: :class:`AnswerTooLarge`, for that call and every later one.

Two front doors share all of it: :meth:`UpscaleClient.send` (an :class:`UpscaleRequest`, the seed's
form) and :meth:`UpscaleClient.send_raw` (bytes already serialized, by Schemathesis say).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from ..errors import AnswerTimedOut, AnswerTooLarge, ConformanceError, CreditsExhausted, RateLimited, TargetUnreachable
from .budget import Budget
from .cache import ResponseCache
from .guard import AnswerBounds, Watch, read_capped
from .guard.bounds import DEFAULT_BOUNDS
from .health import PROBE_TIMEOUT, UP_STATUSES, TargetHealth, free_probe, known_good, symptom_of_status
from .request import UpscaleRequest
from .result import UpscaleResult
from .retry import RetryPolicy
from .secret import Secret
from .target import DEFAULT_TIMEOUT

# Transport errors raised before anything reached the target: sending again cannot double-bill.
UNSENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
MAX_RECOVERIES = 3  # outages one request may wait out; a target flapping more often ends it inconclusive
# Times a request whose connection broke off before any answer is asked again. One drop in seven (a
# balancer's) leaves a request unanswered twice in a row one time in 49; three times, one in 343.
REASKS = 2
DROPPED = "the connection broke off before any answer"


@dataclass(frozen=True)
class Exchange:
    """One request on the wire, whichever front door built it (headers without the key)."""

    method: str
    path: str  # relative to the client's base URL, or a full URL
    headers: dict[str, str]
    payload: dict[str, Any]  # httpx's content / data / files / params
    timeout: float | None
    described: str
    curl: str = ""
    own_key: bool = True  # sent with the run's key (a 402 then means the run's credits are spent)

    @classmethod
    def of(cls, request: UpscaleRequest, base_url: str, described: str = "") -> Exchange:
        """The seed's form (or a raw body) of ``request``, as it goes on the wire."""
        return cls("POST", "/v2/edit", request.headers(), request.payload(), request.timeout,
                   described or request.describe(), request.curl(base_url), own_key=request.api_key is None)

    def headers_with(self, key: Secret) -> dict[str, str]:
        """The headers to send: this exchange's, and the key when there is one."""
        return {**self.headers, "x-api-key": key.reveal()} if key else dict(self.headers)


class _Failed(Exception):
    """An attempt that got no answer: ``symptom`` for the health check, ``sent`` if it reached the target."""

    def __init__(self, symptom: str, sent: bool, error: ConformanceError):
        super().__init__(symptom)
        self.symptom, self.sent, self.error = symptom, sent, error

    @property
    def dropped(self) -> bool:
        """The connection broke off before any answer: asked again before anything is judged on it."""
        return self.symptom == DROPPED


@dataclass
class _RequestState:
    """Where one request stands across its attempts."""

    retries: int = 0  # attempts sent again after a 429, an outage's status or an unsent request
    recoveries: int = 0  # outages waited out, each followed by the same request once more
    healthy: bool = False  # the target answered a known-good request around this one's failure
    resent: bool = False  # a 5xx was sent once more
    reasked: int = 0  # times sent again after its connection broke off before any answer
    dropped: list[str] = field(default_factory=list)  # what each of those drops was

    @property
    def attempts(self) -> int:
        return self.retries + self.recoveries + 1

    def recovered(self, base_url: str) -> None:
        """The target was down and came back; one outage too many for one request is inconclusive."""
        self.recoveries += 1
        if self.recoveries > MAX_RECOVERIES:
            raise TargetUnreachable(f"{base_url} went down {self.recoveries} times during one request")


@dataclass(frozen=True)
class _Try:
    """What one attempt got: an answer (``result``) or no answer (``failed``); ``symptom`` names an outage
    (a failure, or a 502/503/504), None for an answer to judge."""

    result: UpscaleResult | None
    failed: _Failed | None
    symptom: str | None
    retry_after: str | None


@dataclass
class UpscaleClient:
    """Sends requests to one target through a shared budget, retry policy, reader and health check.

    >>> c = UpscaleClient("http://127.0.0.1:1", Secret("sk_live_42"), Budget(0))
    >>> "sk_live_42" in repr(c)
    False
    """

    base_url: str
    api_key: Secret
    budget: Budget
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    cache: ResponseCache | None = None
    timeout: float = DEFAULT_TIMEOUT  # the longest wait for one whole answer, headers and body
    transport: httpx.BaseTransport | None = field(default=None, repr=False)
    sleep: Any = field(default=time.sleep, repr=False)
    bounds: AnswerBounds = DEFAULT_BOUNDS
    say: Any = field(default=None, repr=False)  # say(line): what the client is waiting for, while it waits
    health: TargetHealth | None = field(default=None, repr=False)  # default: the default patience

    def __post_init__(self) -> None:
        # Idle connections are dropped after 2 s, before common servers' keep-alive (uvicorn, node: 5 s)
        # closes them: a request sent on a connection the server is closing would break off after it was
        # sent, and such a request is not repeated.
        self._http = httpx.Client(base_url=self.base_url, transport=self.transport,
                                  timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
                                  limits=httpx.Limits(keepalive_expiry=2.0))
        if self.health is None:
            self.health = TargetHealth(sleep=self.sleep, say=self.say)
        self._stopped: ConformanceError | None = None  # credits spent, or an answer past any bound
        self.model_versions: set[str] = set()  # the model-version header values this client sent (the run's record)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> UpscaleClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- front doors ---------------------------------------------------------------------------------

    def upscale(self, image: bytes, mode: str = "ai.fast", **kwargs: Any) -> UpscaleResult:
        return self.send(UpscaleRequest(image=image, mode=mode, **kwargs))

    def send(self, request: UpscaleRequest) -> UpscaleResult:
        key = self.api_key if request.api_key is None else request.api_key
        digest = self.cache.key(self.base_url, request, key) if self.cache else ""
        if self.cache and (hit := self.cache.get(digest)):
            hit.max_pixels = self.bounds.answer_pixels  # replayed answers are decoded under the same bound
            hit.asked = request.asked()
            return hit
        result = self._call(Exchange.of(request, self.base_url), key)
        result.asked = request.asked()
        if request.model_version is not None:
            self.model_versions.add(request.model_version)
        if self.cache:
            self.cache.put(digest, result)
        return result

    def send_raw(self, method: str, url: str, headers: dict[str, str], content: bytes | None,
                 described: str) -> UpscaleResult:
        """Bytes serialized elsewhere (a Schemathesis case), sent with the run's key like any request.
        ``headers`` must not hold a key: the client adds its own."""
        exchange = Exchange(method.upper(), url, dict(headers), {"content": content} if content else {}, None,
                            described)
        return self._call(exchange, self.api_key)

    # --- one request, its retries and the target's health --------------------------------------------

    def _call(self, exchange: Exchange, key: Secret) -> UpscaleResult:
        """Send ``exchange`` until it has an answer to judge: a 429 waits and goes again, an outage's
        symptom asks about the target's health first (:meth:`_after_outage`)."""
        headers = exchange.headers_with(key)
        state = _RequestState()
        while True:
            self._check_stopped()
            got = self._try(exchange, headers, key, state)
            if got.symptom is None:  # an answer of the target's own
                self.health.answered += 1
                self.health.complete(len(got.result.content))
                if state.dropped:  # a drop that did not repeat: an observation of the target, not a failure
                    self.health.dropped(exchange.described, state.dropped)
                if got.result.status != 429:
                    return self._answered(got.result, exchange)
                if state.retries >= self.retry.retries:
                    raise RateLimited(f"{self.base_url} answered 429 after {state.retries + 1} attempt(s)",
                                      got.retry_after)
            elif not state.healthy and self._was_down(got, key):
                state.recovered(self.base_url)  # it came back: the same request once more
                continue
            else:
                state.healthy = True  # it answered the known-good request, now or at an earlier symptom
                if (answer := self._after_outage(got, state, exchange)) is not None:
                    return self._answered(answer, exchange)
            self.sleep(self.retry.delay(state.retries, got.retry_after))
            state.retries += 1

    def _try(self, exchange: Exchange, headers: dict[str, str], key: Secret, state: _RequestState) -> _Try:
        """One attempt, as :meth:`_call` weighs it."""
        started = time.perf_counter()
        try:
            status, answer_headers, content, reason = self._attempt(exchange, headers, key)
        except _Failed as failed:  # the symptom names the error in full: the outage report quotes it
            return _Try(None, failed, f"{failed.symptom}: {failed.error}", None)
        result = UpscaleResult(status=status, headers=answer_headers, content=content,
                               elapsed=time.perf_counter() - started, attempts=state.attempts,
                               request=exchange.described, curl=exchange.curl, max_pixels=self.bounds.answer_pixels)
        return _Try(result, None, symptom_of_status(status, reason), answer_headers.get("retry-after"))

    def _was_down(self, got: _Try, key: Secret) -> bool:
        """Ask about the target's health (:mod:`.health`): True when it was down and came back, False when
        it answers the known-good request; down past the patience raises :class:`TargetDown`."""
        return not self.health.diagnose(got.symptom, got.retry_after, lambda: self._probe(key))

    def _after_outage(self, got: _Try, state: _RequestState, exchange: Exchange) -> UpscaleResult | None:
        """The target is healthy around this request's outage symptom: the answer to judge (a 5xx the
        second time), or None to send the request once more. A request that got no answer raises its
        error when it reached the target (it may have been billed) or its retries are spent."""
        if got.failed is not None:
            if reask(got.failed.dropped, state.reasked):
                state.reasked += 1
                state.dropped.append(str(got.failed.error))
                return None
            if isinstance(got.failed.error, AnswerTimedOut):  # slow while the health question is answered
                self.health.timed_out(got.failed.error.received, got.failed.error.seconds, exchange.described)
            if got.failed.sent or state.retries >= self.retry.retries:
                raise _again(got.failed.error, state.reasked)
            return None
        if state.resent:  # a 5xx twice with the target healthy around it: an answer, judged by the checks
            return got.result
        state.resent = True  # once more, in case it was a blip
        return None

    def _answered(self, result: UpscaleResult, exchange: Exchange) -> UpscaleResult:
        if result.billable:
            self.budget.record_billable()
        if result.status == 402 and exchange.own_key:  # the run's own key is out of credits
            self._stopped = CreditsExhausted(f"{self.base_url} answered 402: the key has no credits left")
            raise self._stopped
        return result

    def _check_stopped(self) -> None:
        self.health.check_gone()
        if self._stopped is not None:
            raise type(self._stopped)(str(self._stopped))

    def _probe(self, key: Secret) -> str | None:
        """Is the target up? None when it answers (any status but an outage's). Asked first with a request
        the vendor does not bill (:func:`~.health.free_probe`: an invalid mode, a documented 400); the
        billable known-good upscale only when that answer tells nothing (a 401, a 404: a door, not the
        service)."""
        self._check_stopped()
        status, symptom = self._ask_health(free_probe(), "the health question", key)
        if symptom is not None or status in UP_STATUSES:
            return symptom
        status, symptom = self._ask_health(UpscaleRequest(image=known_good()), "the known-good request", key)
        return symptom

    def _ask_health(self, probe: UpscaleRequest, what: str, key: Secret) -> tuple[int, str | None]:
        """One health request: its status (0 without an answer) and its outage symptom, None for none."""
        probe = replace(probe, timeout=min(self.timeout, PROBE_TIMEOUT))
        exchange = Exchange.of(probe, self.base_url, f"{what} ({probe.describe()})")
        try:
            status, _, _, reason = self._attempt(exchange, exchange.headers_with(key), key)
        except _Failed as failed:
            return 0, failed.symptom
        if status == 200:
            self.budget.record_billable()
        return status, symptom_of_status(status, reason)

    def _attempt(self, exchange: Exchange, headers: dict[str, str],
                 key: Secret) -> tuple[int, dict[str, str], bytes, str]:
        """One request, spent from the budget, and its bounded answer; no answer raises :class:`_Failed`."""
        self.budget.spend()
        try:
            return self._exchange(exchange, headers, key)
        except UNSENT as exc:
            # The message names the URL and the error kind only; httpx never puts headers in it, and
            # scrubbing guards against a future change of that.
            raise _Failed(f"no connection ({type(exc).__name__})", False, TargetUnreachable(key.scrub(
                f"{self.base_url} did not answer {exchange.described}: {type(exc).__name__}: {exc}"))) from None
        except AnswerTimedOut as exc:
            raise _Failed("no answer in time", True, exc) from None
        except _Dropped as exc:
            raise _Failed(DROPPED, True, exc.error) from None
        except TargetUnreachable as exc:
            raise _Failed("the answer broke off", True, exc) from None
        except AnswerTooLarge as exc:
            self._stopped = exc  # every later answer could cost the same read
            raise

    def _exchange(self, exchange: Exchange, headers: dict[str, str],
                  key: Secret) -> tuple[int, dict[str, str], bytes, str]:
        """One request and its bounded answer: status, headers, body, reason (guard: bytes and time). A
        request with a timeout of its own (the hostile-input battery's) is held to that instead."""
        asked = f"{exchange.described} to {self.base_url}"
        seconds = self.timeout if exchange.timeout is None else exchange.timeout
        payload = dict(exchange.payload)
        if exchange.timeout is not None:
            payload["timeout"] = exchange.timeout
        began = False  # an answer had begun (a status line came): a break after it is never asked again
        received = [0]  # bytes of the body that arrived: how fast a target that times out answers

        def counted(chunks):
            for chunk in chunks:
                received[0] += len(chunk)
                yield chunk

        with Watch(f"the answer to {asked}", seconds, self.say) as watch:
            try:
                with self._http.stream(exchange.method, exchange.path, headers=headers, **payload) as response:
                    began = True
                    watch.attach(response)
                    status = response.status_code
                    content = read_capped(counted(response.iter_bytes()), limit=self.bounds.body_bytes(status),
                                          deadline=watch.deadline,
                                          what=f"the {status} answer to {asked}",
                                          declared=response.headers.get("content-length"))
                    return (status, {k.lower(): v for k, v in response.headers.items()}, content,
                            response.reason_phrase)
            except UNSENT:
                raise  # nothing was sent: the caller may try again
            except AnswerTimedOut as exc:  # the body was still arriving at the deadline
                raise _slow(AnswerTimedOut(f"{exc}; not repeated: it may have been billed"), received[0],
                            seconds) from None
            except httpx.TransportError as exc:
                if watch.expired or isinstance(exc, httpx.TimeoutException):
                    raise _slow(AnswerTimedOut(f"no complete answer to {asked} within {seconds:g} s "
                                               f"({type(exc).__name__}); not repeated: it may have been billed"),
                                received[0], seconds) from None
                if not began:
                    raise _Dropped(TargetUnreachable(key.scrub(
                        f"the connection broke off before any answer to {asked}: {type(exc).__name__}: {exc}"))) \
                        from None
                raise TargetUnreachable(key.scrub(
                    f"the answer to {asked} broke off: {type(exc).__name__}: {exc}; not repeated: "
                    f"the request was sent and may have been billed")) from None


def _slow(error: AnswerTimedOut, received: int, seconds: float) -> AnswerTimedOut:
    """``error``, with how much of the answer arrived in how long (the health's degraded rule reads it)."""
    error.received, error.seconds = received, seconds
    return error


class _Dropped(Exception):
    """The connection broke off before any answer (``error`` says how)."""

    def __init__(self, error: TargetUnreachable):
        super().__init__(str(error))
        self.error = error


def reask(dropped: bool, reasked: int, reasks: int = REASKS) -> bool:
    """Whether a request that got no answer is asked again: only when its connection broke off before any
    answer (a timeout, or an answer that broke off once begun, may have been billed), at most ``reasks`` times.

    >>> reask(True, 0), reask(True, REASKS), reask(False, 0)
    (True, False, False)
    """
    return dropped and reasked < reasks


def _again(error: ConformanceError, reasked: int) -> ConformanceError:
    """``error``, saying it was the same each time the request was asked again."""
    if not reasked:
        return error
    return type(error)(f"{error} (asked {reasked + 1} times, no answer any time)")
