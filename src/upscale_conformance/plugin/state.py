"""What the plugin keeps between hooks, in pytest's stash instead of module globals or node attributes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from ..client import Budget, Secret
from ..verdicts import Recorder, Tally

# config.stash
TALLY = pytest.StashKey[Tally]()  # only in the process that writes the summary (not on xdist workers)
SECRETS = pytest.StashKey[list[Secret]]()  # keys in use this session, scrubbed from every report


@dataclass
class TestState:
    """One test's share of the run: its recorder, its last exchange, the calls it spent."""

    recorder: Recorder
    exchange: tuple[Any, Any] | None = None  # (request, result): pictured if a check fails on it
    budget: Budget | None = None
    calls_before: int = 0
    billable_before: int = 0
    health: Any = None  # the client's TargetHealth
    model_versions: set[str] | None = None  # the client's model-version values sent so far
    outages_before: int = 0
    drops_before: int = 0
    base_url: str = ""  # where the test's requests went (a bundle's original target)

    def outages(self) -> list[dict]:
        """The target's outages that began during this test."""
        return [] if self.health is None else [o.to_dict() for o in self.health.outages[self.outages_before:]]

    def drops(self) -> list[dict]:
        """The connections dropped before any answer during this test, answered when asked again."""
        return [] if self.health is None else list(self.health.drops[self.drops_before:])


# item.stash
TEST = pytest.StashKey[TestState]()


def secrets(config) -> list[Secret]:
    return config.stash.setdefault(SECRETS, [])


def scrub(config, text: str) -> str:
    for key in secrets(config):
        text = key.scrub(text)
    return text
