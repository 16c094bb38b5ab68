"""When to send a request again, and how long to wait first."""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass

# Statuses that say "not now" rather than "no": the request may be sent again after a wait.
RETRY_STATUSES = (429, 503)


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff; a Retry-After header (seconds or HTTP date) wins if larger."""

    retries: int = 3
    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int, retry_after: str | None) -> float:
        backoff = min(self.cap, self.base * (2**attempt))
        hinted = parse_retry_after(retry_after)
        return min(self.cap, max(backoff, hinted)) if hinted is not None else backoff


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header.

    >>> parse_retry_after("3")
    3.0
    >>> parse_retry_after(None) is None
    True
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
