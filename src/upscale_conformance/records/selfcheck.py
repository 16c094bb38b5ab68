"""``selfcheck.json``: the kill matrix of a ``selfcheck`` (schema: ``selfcheck.schema.json``, docs/selfcheck.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .header import Header

FILE = "selfcheck.json"
TARGET = "selfcheck"  # the reference server, clean and faulted: the store groups selfchecks under this name


def verdict(exit_code: int) -> str:
    return "ok" if exit_code == 0 else "not ok"


@dataclass
class SelfcheckReport:
    header: Header
    quick: bool = False
    seconds: float = 0.0
    scores: list[dict[str, Any]] = field(default_factory=list)  # label, good, total
    entries: list[dict[str, Any]] = field(default_factory=list)  # one row of the matrix per server

    def to_dict(self) -> dict[str, Any]:
        return {**self.header.to_dict(), "quick": self.quick, "seconds": self.seconds, "scores": self.scores,
                "entries": self.entries}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SelfcheckReport:
        return cls(Header.from_dict(data, "selfcheck"), bool(data.get("quick")), float(data.get("seconds") or 0.0),
                   list(data.get("scores") or ()), list(data.get("entries") or ()))

