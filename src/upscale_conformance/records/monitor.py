"""``record.json``: what a ``monitor`` run found of the target, and the next run's baseline (schema:
``record.schema.json``, docs/monitoring.md). The monitor fills the body as a plain dict while it probes
(``monitor/record.new_body``); the record is the header and that body."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .header import Header

FILE = "record.json"
SCHEMA = "upscale-conformance/monitor-record"
VERSION = 2  # 2: the one header (started, finished, command, profile) instead of started_at, finished_at
VERDICTS = {0: "no breaking drift", 1: "breaking drift", 3: "inconclusive"}
BODY_KEYS = ("hints", "cost", "inconclusive", "partial", "limits", "over_limit", "fixed", "model_header", "formats",
             "latency", "calls", "drift")


@dataclass
class MonitorRecord:
    header: Header
    hints: dict[str, Any] = field(default_factory=dict)  # the limits the search started from, and their source
    cost: dict[str, Any] = field(default_factory=dict)  # budget, spent, billable
    inconclusive: str | None = None  # why nothing can be judged
    partial: str | None = None  # the budget ran out after the limits were found: later probes missing
    limits: dict[str, Any] = field(default_factory=dict)  # per mode: the finding, observations, calls
    over_limit: dict[str, Any] = field(default_factory=dict)
    fixed: list[dict[str, Any]] = field(default_factory=list)
    model_header: dict[str, Any] | None = None
    formats: dict[str, Any] | None = None
    latency: dict[str, Any] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    drift: dict[str, Any] | None = None  # after a comparison with a baseline: its items

    def body(self) -> dict[str, Any]:
        """The part the monitor's probes, comparison and digest read (the header's fields beside it)."""
        out = {k: getattr(self, k) for k in BODY_KEYS}
        if out["drift"] is None:
            del out["drift"]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "version": VERSION, **self.header.to_dict(), **self.body()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MonitorRecord:
        defaults = cls(Header.from_dict(data, "monitor"))
        return cls(defaults.header, **{k: data.get(k, getattr(defaults, k)) for k in BODY_KEYS})

