"""``load.json``: the figures of a ``load`` run and its verdict (schema: ``load.schema.json``; documented in
docs/robustness.md, "Load")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .header import Header

FILE = "load.json"


@dataclass
class LoadReport:
    header: Header
    settings: dict[str, Any] = field(default_factory=dict)  # as asked, no key
    planned: int | None = None  # requests it was to send (None: a duration)
    requests: int = 0
    judged: int = 0
    answers_by_status: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0
    no_answer: int = 0
    answers_with_violations: int = 0
    violations: list[dict[str, Any]] = field(default_factory=list)
    violations_by_code: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    throughput_per_second: float = 0.0
    latency_seconds: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**self.header.to_dict(), **{k: getattr(self, k) for k in BODY_KEYS}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], header: Header | None = None) -> LoadReport:
        """From ``load.json``, or (with ``header``) from the figures of ``load.summary.summarize``."""
        defaults = cls(header or Header.from_dict(data, "load"))
        return cls(defaults.header, **{k: data.get(k, getattr(defaults, k)) for k in BODY_KEYS})


BODY_KEYS = tuple(f.name for f in fields(LoadReport) if f.name != "header")
