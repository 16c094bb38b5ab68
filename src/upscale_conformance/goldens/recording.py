"""Record goldens from a trusted target; with ``update``, rewrite changed ones and prune unused ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from .. import perceptual as pc
from ..client import UpscaleClient
from ..contract import Profile
from .document import golden_from
from .keys import Combo, GoldenKey, combos_for
from .run import Progress, _output_image, plan, unused_goldens, upscale
from .store import GoldenStore


@dataclass
class RecordOutcome:
    key: GoldenKey
    action: str  # created | updated | unchanged | differs (exists, not updated) | error
    changed: list[str] = field(default_factory=list)
    message: str = ""


@dataclass
class RecordReport:
    outcomes: list[RecordOutcome]
    unused: list[Path]
    deleted: list[Path] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(o.action == action for o in self.outcomes)


def record_one(client: UpscaleClient, store: GoldenStore, key: GoldenKey, input_path: Path, update: bool,
               source: dict[str, str]) -> RecordOutcome:
    input_bytes = Path(input_path).read_bytes()
    result = upscale(client, input_bytes, key.input_name, key.combo)
    output, problem = _output_image(result)
    if output is None:
        return RecordOutcome(key, "error", message=problem)
    sig = pc.signature(pc.open_image(input_bytes), output)
    golden = golden_from(key, input_bytes, result, sig, source)
    images = {key.thumb_name: pc.png_bytes(sig.thumb), key.detail_name: pc.png_bytes(sig.detail),
              key.flat_name: pc.png_bytes(sig.flat)}
    existing = store.read(key)
    if existing is not None and not update:
        same = existing.golden.content() == golden.content()
        return RecordOutcome(key, "unchanged" if same else "differs",
                             message="" if same else "differs from the stored golden; pass --update to rewrite")
    changed = store.write(key, golden, images)
    action = "created" if existing is None else ("updated" if changed else "unchanged")
    return RecordOutcome(key, action, changed)


def record(client: UpscaleClient, inputs: list[Path], golden_dir: Path, target: str, profile: Profile,
           combos: list[Combo] | None = None, *, update: bool = False, source: dict[str, str] | None = None,
           progress: Progress | None = None) -> RecordReport:
    """Record goldens for every applicable input x combo. Without ``update`` existing goldens stay;
    with it, changed ones are rewritten and unused ones deleted (as syrupy's --snapshot-update)."""
    store = GoldenStore(golden_dir)
    combos = combos or combos_for(profile)
    source = source or {"target": target, "tool": f"upscale-conformance {__version__}"}
    outcomes = []
    for path, combo in plan(inputs, profile, combos):
        key = GoldenKey(target, profile.id, combo, path.name)
        if progress:
            progress(key.describe())
        outcomes.append(record_one(client, store, key, path, update, source))
    unused = unused_goldens(golden_dir, target, profile, inputs, combos_for(profile))
    deleted = _prune(store, unused) if update else []
    return RecordReport(outcomes, unused, deleted)


def _prune(store: GoldenStore, unused: list[Path]) -> list[Path]:
    """Delete unused goldens: a JSON takes its images with it, orphaned images go on their own."""
    deleted: list[Path] = []
    for path in sorted(unused, key=lambda p: p.suffix != ".json"):
        if path.suffix == ".json":
            deleted += store.delete(path)
        elif path.is_file():
            path.unlink()
            deleted.append(path)
    return deleted
