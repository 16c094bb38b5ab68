"""The run's call budget: a paid target is never sent more calls than a run announced.

>>> budget = Budget(2)
>>> budget.spend(); budget.spend(); budget.remaining
0
"""

from __future__ import annotations

import threading

from ..errors import BudgetExhausted

# The most calls a command sends to a target that may bill them when no --budget is given (`run`, `replay`).
DEFAULT_VENDOR_BUDGET = 200


class Budget:
    """A thread-safe cap on the number of requests a run may send (None: unlimited)."""

    def __init__(self, limit: int | None):
        if limit is not None and limit < 0:
            raise ValueError("budget must be zero or more")
        self.limit = limit
        self.spent = 0
        self.billable = 0
        self._lock = threading.Lock()

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else self.limit - self.spent

    def spend(self) -> None:
        with self._lock:
            if self.limit is not None and self.spent >= self.limit:
                raise BudgetExhausted(f"call budget of {self.limit} spent; no further request is sent")
            self.spent += 1

    def record_billable(self) -> None:
        with self._lock:
            self.billable += 1

    def split(self, workers: int, index: int) -> Budget:
        """This worker's share when a run is spread over ``workers`` processes."""
        if self.limit is None:
            return Budget(None)
        share = self.limit // workers + (1 if index < self.limit % workers else 0)
        return Budget(share)
