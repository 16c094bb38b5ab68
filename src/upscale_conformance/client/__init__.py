"""The one way to a target: every request any command sends goes through this package.

- :mod:`.request` and :mod:`.result`: what is sent (the seed's multipart form, or raw bytes) and what
  came back;
- :mod:`.transport`: :class:`UpscaleClient`, the httpx client with the run's :class:`Budget`, the
  retry policy (:mod:`.retry`), the bounded reader (:mod:`.guard`) and the target's health
  (:mod:`.health`: an outage is inconclusive, never a failure);
- :mod:`.secret`: the API key that never prints itself; :mod:`.target`: local or paid, and the
  default time limit; :mod:`.cache`: the opt-in response cache.
"""

from .budget import Budget
from .cache import ResponseCache
from .request import RawBody, UpscaleRequest
from .result import UpscaleResult
from .retry import RETRY_STATUSES, RetryPolicy, parse_retry_after
from .secret import Secret
from .target import DEFAULT_TIMEOUT, is_local
from .transport import UpscaleClient

__all__ = ["DEFAULT_TIMEOUT", "RETRY_STATUSES", "Budget", "RawBody", "ResponseCache", "RetryPolicy", "Secret",
           "UpscaleClient", "UpscaleRequest", "UpscaleResult", "is_local", "parse_retry_after"]
