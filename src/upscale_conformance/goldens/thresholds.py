"""Warn and fail thresholds, read from ``contracts/perceptual.yaml``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .. import perceptual as pc
from ..contract import contracts_dir
from ..errors import ContractError

# How many times a golden's recorded run-to-run spread moves each threshold, when
# contracts/perceptual.yaml does not say (see docs/perceptual.md, "Targets that sample").
SPREAD_FACTOR = 2.0


@dataclass(frozen=True)
class Limit:
    """Warn and fail thresholds of one regression metric."""

    name: str
    higher_is_better: bool
    warn: float
    fail: float

    def status(self, value: float) -> str:
        def past(threshold: float) -> bool:
            return value < threshold if self.higher_is_better else value > threshold

        return "fail" if past(self.fail) else "warn" if past(self.warn) else "pass"

    def widened(self, by: float) -> Limit:
        """Both thresholds moved ``by`` towards "worse" (a distance in the metric's own units)."""
        if by <= 0:
            return self
        by = -by if self.higher_is_better else by
        return replace(self, warn=self.warn + by, fail=self.fail + by)

    def severity(self, value: float) -> float:
        """How far towards failing: 1.0 is the fail threshold (similarities count as 1 - value)."""
        if self.higher_is_better:
            return (1.0 - value) / max(1.0 - self.fail, 1e-9)
        if self.fail == 0:
            return 0.0 if value == 0 else float("inf")
        return value / self.fail


@dataclass(frozen=True)
class Thresholds:
    fidelity: pc.FidelityLimits
    min_sharpness: float
    regression: dict[str, Limit]
    path: str = ""
    spread_factor: float = SPREAD_FACTOR  # thresholds move by this many times a golden's spread


def thresholds_path() -> Path:
    return contracts_dir() / "perceptual.yaml"


def _need(data: dict, key: str, path: Path, where: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise ContractError(str(path), f"{where}{key}", "is missing")
    return data[key]


@cache
def _load_thresholds(path: Path, mtime: float) -> Thresholds:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContractError(str(path), "", f"unreadable ({exc})") from None
    portable = _need(data, "portable", path, "")
    fid = _need(portable, "fidelity", path, "portable.")
    try:
        fidelity = pc.FidelityLimits(**{k: (tuple(v) if isinstance(v, list) else float(v)) for k, v in fid.items()})
    except (TypeError, ValueError) as exc:
        raise ContractError(str(path), "portable.fidelity", str(exc)) from None
    sharp = float(_need(_need(portable, "sharpness", path, "portable."), "min_ratio", path, "portable.sharpness."))
    regression = {}
    for name, spec in (_need(data, "regression", path, "") or {}).items():
        if name not in pc.REGRESSION_METRICS:
            known = ", ".join(pc.REGRESSION_METRICS)
            raise ContractError(str(path), f"regression.{name}", f"unknown metric (known: {known})")
        better = _need(spec, "better", path, f"regression.{name}.")
        if better not in ("higher", "lower"):
            raise ContractError(str(path), f"regression.{name}.better", "must be higher or lower")
        warn, fail = (float(_need(spec, k, path, f"regression.{name}.")) for k in ("warn", "fail"))
        if (better == "higher" and warn < fail) or (better == "lower" and warn > fail):
            raise ContractError(str(path), f"regression.{name}", "warn must be stricter than fail")
        regression[name] = Limit(name, better == "higher", warn, fail)
    factor = data.get("spread_factor", SPREAD_FACTOR)
    if isinstance(factor, bool) or not isinstance(factor, int | float) or factor < 0:
        raise ContractError(str(path), "spread_factor", "must be a number, 0 or more")
    return Thresholds(fidelity, sharp, regression, str(path), float(factor))


def load_thresholds(path: Path | None = None) -> Thresholds:
    """Thresholds from ``contracts/perceptual.yaml`` (or ``path``)."""
    path = Path(path or thresholds_path())
    if not path.is_file():
        raise ContractError(str(path), "", "file not found")
    return _load_thresholds(path, path.stat().st_mtime)
