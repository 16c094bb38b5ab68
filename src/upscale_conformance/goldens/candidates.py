"""Candidates: the would-be goldens of answers that differed from their goldens, kept in a run's report
folder for review (:mod:`upscale_conformance.report.review`) and approval (:mod:`.history`).

``REPORT/goldens/candidates/`` is a :class:`GoldenStore` (the same document and PNGs a recording makes);
``REPORT/goldens/verdicts/`` mirrors its layout with one JSON per candidate: the verdict (metrics against
thresholds, the spread that widened them) and the baseline it was judged against. One file per
candidate, so pytest-xdist workers never write the same file.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

from .checking import GoldenCheck
from .document import Golden
from .keys import Combo, GoldenKey
from .store import GoldenStore
from .thresholds import Thresholds

CANDIDATES = Path("goldens") / "candidates"
VERDICTS = Path("goldens") / "verdicts"
BANDS = ("4-8", "2-4", "1-2")  # coarse to fine: the order a group's label reads


def input_id(key: GoldenKey) -> str:
    """What ``approve --input`` and ``history --input`` take: ``<mode-and-model>/<input file>``."""
    return f"{key.combo.slug}/{key.input_name}"


def matches(wanted: tuple[str, ...] | list[str], key: GoldenKey) -> bool:
    """Is ``key`` one of ``wanted`` (``<mode-and-model>/<input file>``, an input file, or its stem)? Nothing
    wanted: every key is."""
    return not wanted or any(w in (input_id(key), key.input_name, key.stem) for w in wanted)


def keep(report_dir: Path, found: GoldenCheck, golden_dir: Path, thresholds: Thresholds) -> bool:
    """Keep the candidate of a check that differed (warn or fail) in ``report_dir``; False: nothing to keep."""
    if found.candidate is None or found.golden is None:
        return False
    key = found.key
    GoldenStore(Path(report_dir) / CANDIDATES).write(key, found.candidate, found.candidate_images or {})
    reg = found.regression
    verdict = {
        "input": input_id(key),
        "key": {"target": key.target, "profile": key.profile, "mode": key.combo.mode,
                "model_version": key.combo.model_version, "input": key.input_name},
        "status": reg.status,
        "message": reg.message,
        "metrics": [{"name": m.name, "value": m.value, "status": m.status, "warn": m.warn, "fail": m.fail}
                    for m in reg.metrics],
        "spread": found.golden.spread,
        "spread_factor": thresholds.spread_factor,
        "thresholds": thresholds.path,
        "golden_dir": str(Path(golden_dir).resolve()),
        "golden_path": reg.golden_path,
        "baseline": {"recorded_at": found.golden.recorded_at, "recorded_from": found.golden.recorded_from,
                     "approved": found.golden.approved},
    }
    path = key.json_path(Path(report_dir) / VERDICTS)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(verdict, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    # The baseline's pictures as judged: review shows them even after an approval replaced the golden.
    golden_folder = Path(reg.golden_path).parent
    for part, name in (("thumb", found.golden.thumbnail), ("detail", found.golden.patches["detail"]["file"])):
        shutil.copy2(golden_folder / name, path.parent / f"{key.stem}.baseline.{part}.png")
    return True


@dataclass
class Candidate:
    key: GoldenKey
    golden: Golden  # the candidate document
    folder: Path  # where its PNGs are
    verdict: dict

    @property
    def id(self) -> str:
        return input_id(self.key)

    @property
    def baseline(self) -> Golden | None:
        """The golden it was judged against, as it is in the store now (None: gone since)."""
        path = Path(self.verdict["golden_path"])
        return Golden.from_json(path.read_text(encoding="utf-8"), str(path)) if path.is_file() else None


def load(report_dir: Path) -> list[Candidate]:
    """Every candidate kept in ``report_dir``, sorted by mode-and-model, then input."""
    root = Path(report_dir)
    found = []
    for path in sorted((root / VERDICTS).glob("*/*/*/*.json")):
        verdict = json.loads(path.read_text(encoding="utf-8"))
        k = verdict["key"]
        key = GoldenKey(k["target"], k["profile"], Combo(k["mode"], k["model_version"]), k["input"])
        doc = key.json_path(root / CANDIDATES)
        if doc.is_file():
            found.append(Candidate(key, Golden.from_json(doc.read_text(encoding="utf-8"), str(doc)), doc.parent,
                                   verdict))
    return sorted(found, key=lambda c: (c.key.combo.slug, c.key.input_name))


def band_changes(golden: dict[str, float], candidate: dict[str, float]) -> dict[str, float]:
    """Signed log2 change of each band's energy (+1: doubled, sharper; -1: halved, softer)."""
    return {b: math.log2((candidate.get(b, 0.0) + 0.01) / (golden[b] + 0.01)) for b in BANDS if b in golden}


def movement(candidate: Candidate, thresholds: Thresholds) -> tuple[str, ...]:
    """How an answer moved, as a sign per band: ``+`` sharper, ``-`` softer, ``=`` within half the band's
    warn threshold (noise). With no band moved, the names of the metrics past a threshold instead.

    Signs, not sizes: the same model change moves inputs by different amounts (a flat logo has little
    fine detail to lose), but in the same direction, so a vendor change is one group, not one per input.
    """
    baseline = candidate.baseline
    bands = baseline.bands if baseline else {}
    signs = []
    for band, change in band_changes(bands, candidate.golden.bands).items():
        limit = thresholds.regression.get(f"band_{band.replace('-', '_')}")
        floor = limit.warn / 2 if limit else 0.01
        signs.append("=" if abs(change) < floor else "+" if change > 0 else "-")
    if any(s != "=" for s in signs):
        return tuple(f"{b}{s}" for b, s in zip(BANDS, signs, strict=False))
    return tuple(sorted(m["name"] for m in candidate.verdict["metrics"] if m["status"] in ("warn", "fail")))


@dataclass
class Group:
    id: str
    combo: str
    moved: tuple[str, ...]
    members: list[Candidate]

    @property
    def label(self) -> str:
        signs = [m[-1] for m in self.moved if m[-1] in "+-="]
        if len(signs) == len(self.moved) and signs:
            kind = "sharper" if "-" not in signs else "softer" if "+" not in signs else "bands moved both ways"
            bands = ", ".join(f"{m[:-1]} px {'up' if m[-1] == '+' else 'down' if m[-1] == '-' else 'same'}"
                              for m in self.moved)
            return f"{self.combo}: {kind} ({bands})"
        return f"{self.combo}: {', '.join(self.moved)} past threshold, bands unchanged"


def group_id(combo: str, moved: tuple[str, ...]) -> str:
    """Stable across runs: the same change of the same mode-and-model always gets the same id."""
    return "g-" + hashlib.sha1(f"{combo}|{' '.join(moved)}".encode()).hexdigest()[:6]


def groups(candidates: list[Candidate], thresholds: Thresholds) -> list[Group]:
    """Candidates grouped by mode-and-model and by how they moved; the largest group first."""
    by: dict[tuple[str, tuple[str, ...]], list[Candidate]] = {}
    for c in candidates:
        by.setdefault((c.key.combo.slug, movement(c, thresholds)), []).append(c)
    out = [Group(group_id(combo, moved), combo, moved, members) for (combo, moved), members in by.items()]
    return sorted(out, key=lambda g: (-len(g.members), g.combo, g.id))
