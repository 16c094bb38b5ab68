"""The end of a monitor run: drift judged from the baseline, the exit code, and what it leaves behind
(``record.json``, ``digest.md``, ``index.html``). Recording it in the results store is the command's job."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..records.monitor import MonitorRecord
from ..report.pages import write_page
from . import compare, digest, record
from .compare import Drift

MEANING = {0: "no breaking drift", 1: "breaking drift from the baseline", 3: "inconclusive"}


@dataclass
class Finished:
    code: int  # 0 no breaking drift, 1 breaking drift from the baseline, 3 inconclusive
    record: MonitorRecord
    drift: list[Drift] | None  # None: no baseline, or nothing could be judged
    path: Path  # record.json
    digest: Path  # digest.md

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for d in self.drift or [] if d.severity == s) for s in ("breaking", "notable")}


def exit_code(body: dict[str, Any], drift: list[Drift] | None) -> int:
    return 3 if body["inconclusive"] else (1 if any(d.severity == "breaking" for d in drift or []) else 0)


def finish(body: dict[str, Any], base: dict[str, Any] | None, folder: Callable[[], Path], target: str,
           profile: str) -> Finished:
    """Judge ``body`` (filled by ``run.monitor``) against ``base`` and write the run into ``folder()``, asked
    for only once the drift is judged: a baseline that cannot be compared (``ConformanceError``) leaves none."""
    drift = None
    if base is not None and not body["inconclusive"]:
        drift = compare.compare(base, body)
        body["drift"] = {"baseline_started": base.get("started"), "baseline_target": base.get("target"),
                         "items": [d.to_dict() for d in drift]}
    where = folder()
    code = exit_code(body, drift)
    done = record.finished(body, target, profile, code)
    path = record.write_record(done, where)
    text = digest.digest(done.to_dict(), drift, base)
    (where / "digest.md").write_text(text, encoding="utf-8")
    write_page(where, f"monitor: {done.header.target}", code, MEANING[code], ["severity", "what", "change"],
               [[d.severity, f"{d.area} {d.subject}", d.message] for d in drift or []], text)
    return Finished(code, done, drift, path, where / "digest.md")
