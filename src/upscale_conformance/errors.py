"""Typed errors of the engine. Each has a stable code so that reports and tests can name it."""

from __future__ import annotations


class ConformanceError(Exception):
    """Base of every error this package raises on purpose."""

    code = "UC000"


class ContractError(ConformanceError):
    """A contract file (clauses, profile, OpenAPI) is missing or malformed.

    >>> str(ContractError("contracts/profiles/x.yaml", "modes.ai.fast.limit", "is missing"))
    'contracts/profiles/x.yaml: modes.ai.fast.limit: is missing'
    """

    code = "UC100"

    def __init__(self, path: str, field: str, problem: str):
        self.path, self.field, self.problem = path, field, problem
        super().__init__(f"{path}: {field}: {problem}" if field else f"{path}: {problem}")


class NoAnswer(ConformanceError):
    """A call ended without an answer to judge (the budget or the credits are spent, the target is down,
    rate limited, gave no answer, or one past any the contract allows). The one rule of what is
    inconclusive: every front door catches this base class and says INCONCLUSIVE (exit 3), never FAIL."""

    code = "UC299"


class BudgetExhausted(NoAnswer):
    """The run's call budget is spent; no further request may be sent."""

    code = "UC200"


class TargetUnreachable(NoAnswer):
    """The target did not answer (connection refused, reset, timeout) after every retry."""

    code = "UC201"


class CreditsExhausted(NoAnswer):
    """The target answered 402: the account has no credits left (CONTRACT-NOTES, Response). Nothing
    can be judged past this point, so the run is inconclusive, not failed."""

    code = "UC203"


class RateLimited(NoAnswer):
    """The target kept answering 429 after every retry; ``retry_after`` is its last Retry-After header."""

    code = "UC202"

    def __init__(self, message: str, retry_after: str | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class TargetDown(NoAnswer):
    """The target is down: a request and a known-good request sent right after it both failed the way
    an outage does (502, 503, 504, refused, reset, no answer), and it did not come back within the
    run's patience. Every later call is inconclusive at once, without a request (client.health)."""

    code = "UC206"


class AnswerTimedOut(NoAnswer):
    """No complete answer within the per-answer time limit (``--upscale-timeout``). The request was
    sent, so it is never repeated: on the vendor it may have been billed."""

    code = "UC204"
    received = 0  # bytes of the answer that did arrive (client.transport sets them)
    seconds = 0.0  # within this many seconds


class AnswerTooLarge(NoAnswer):
    """An answer went past the most bytes (or pixels) the contract can ever produce; reading stopped
    there, so the run's memory stays bounded whatever the target sends."""

    code = "UC205"


class NeverReached(ConformanceError):
    """The target never answered anything: its name did not resolve, the connection was refused, or TLS
    failed (``session.reach``, before anything is sent). A wrong URL, not an outage: every front door shows
    it as a usage error (exit 2) in one line, never as an inconclusive run."""

    code = "UC207"


class KeyMissing(ConformanceError):
    """A target that may cost money was asked for without an API key (``session.key_for``): refused
    before anything is started or sent. Every front door shows it as a usage error (exit 2)."""

    code = "UC500"

    def __init__(self, flag: str = "--api-key", target: str = ""):
        super().__init__(f"{target or 'this target'} is not on this machine, so every call may be billed: a paid "
                         f"target needs {flag} or PHOTOROOM_API_KEY (a loopback address needs none)")
