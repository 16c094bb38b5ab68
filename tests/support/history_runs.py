"""Synthetic runs for the history views: a store filled without running anything."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from upscale_conformance.history.records import ClauseResult, Finding, LimitSeen, Recorded, Run

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=5)  # inside the default --since 30d


def at(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat(timespec="seconds")


def run(rid: str, hour: float, verdicts: dict[str, str], *, target: str = "http://vendor", tool: str = "uc 0.1.0",
        profile: str = "pixel-budget-2026", models: tuple[str, ...] = (), calls: int = 10, billable: int = 8,
        findings: tuple[Finding, ...] = (), report: str = "") -> Recorded:
    failing = any(v == "FAIL" for v in verdicts.values())
    return Recorded(Run(rid, "run", at(hour), at(hour + .1), target, profile=profile, tool=tool, model_versions=models,
                        calls=calls, billable=billable, exit_code=int(failing),
                        verdict="not conformant" if failing else "conformant", report=report),
                    [ClauseResult(c, "must", v, 1, 1, 1) for c, v in verdicts.items()], list(findings))


def monitor(rid: str, hour: float, limits: dict[str, dict], drift: str = "", target: str = "http://vendor") -> Recorded:
    return Recorded(Run(rid, "monitor", at(hour), at(hour + .1), target, calls=30, billable=12, verdict="recorded"),
                    limits=[LimitSeen(mode, json.dumps(finding), drift) for mode, finding in limits.items()])


def pixels(n: int) -> dict:
    return {"kind": "pixels", "max_pixels": n, "exact": True}


def per_axis(w: int, h: int) -> dict:
    return {"kind": "per_axis", "max_width": w, "max_height": h, "exact": True}
