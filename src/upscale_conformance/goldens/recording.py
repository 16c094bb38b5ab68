"""Record goldens from a trusted target; with ``update``, rewrite changed ones and prune unused ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from .. import perceptual as pc
from ..client import UpscaleClient, UpscaleResult
from ..contract import Profile
from ..records.header import tool_name
from .compare import regression_verdict, spread_between
from .document import Golden, golden_from, sha256_hex
from .keys import Combo, GoldenKey, combos_for
from .regions import masked, means, regions_from
from .run import Progress, decoded_output, plan, unused_goldens, upscale
from .store import GoldenStore, StoredGolden
from .thresholds import Thresholds, load_thresholds

# Answers per input taken from a combo whose answers vary run to run (the determinism probe is
# the second answer of the combo's first input). Two suffice: a later answer's distance to the
# golden measured at most 1.11x the spread of the first two, and a third sample did not change
# the factor k needed (docs/perceptual.md, "Targets that sample").
SAMPLES = 2


@dataclass
class RecordOutcome:
    key: GoldenKey
    action: str  # created | updated | unchanged | differs (exists, not updated) | error
    changed: list[str] = field(default_factory=list)
    message: str = ""
    calls: int = 1  # requests sent for this input, probe and further samples included
    samples: int = 1  # answers the golden was made from (more than one: the combo varies run to run)
    probe: bool = False  # one of the calls was the combo's determinism probe


@dataclass
class RecordReport:
    outcomes: list[RecordOutcome]
    unused: list[Path]
    deleted: list[Path] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(o.action == action for o in self.outcomes)

    @property
    def calls(self) -> int:
        """Requests sent in all: one per input, plus probes, plus further samples."""
        return sum(o.calls for o in self.outcomes)

    @property
    def probes(self) -> int:
        """Determinism probes: a second answer to one input of each combo."""
        return sum(o.probe for o in self.outcomes)

    @property
    def extra_samples(self) -> int:
        """Calls beyond one per input and the probes: further answers from combos that vary."""
        return self.calls - len(self.outcomes) - self.probes

    @property
    def samples(self) -> dict[str, int]:
        """Answers taken per input, by combo slug: 1 for a deterministic combo, more for one whose
        answers vary; a combo whose probe never got two answers is left out."""
        return {o.key.combo.slug: o.samples for o in self.outcomes if o.probe and o.action != "error"}


def record_calls(pairs: list[tuple[Path, Combo]], samples: int = SAMPLES) -> tuple[int, int]:
    """The fewest and the most calls :func:`record` makes for ``pairs`` (from :func:`plan`):
    every combo deterministic (one per pair and one probe per combo) or every combo varying."""
    if samples <= 1:
        return len(pairs), len(pairs)
    return len(pairs) + len({combo for _, combo in pairs}), samples * len(pairs)


def _answers(client: UpscaleClient, input_bytes: bytes, key: GoldenKey, count: int, probe: bool,
             ) -> tuple[list[tuple[UpscaleResult, Image.Image]], int, str]:
    """``count`` decoded answers (with ``probe``: two, and ``count`` only if they differ); the
    number of calls made; a problem if an answer was not an image."""
    answers: list[tuple[UpscaleResult, Image.Image]] = []
    want = 2 if probe else count
    while len(answers) < want:
        result = upscale(client, input_bytes, key.input_name, key.combo)
        output, problem = decoded_output(result)
        if output is None:
            return answers, len(answers) + 1, problem
        answers.append((result, output))
        if probe and len(answers) == 2:
            varies = sha256_hex(answers[0][0].content) != sha256_hex(answers[1][0].content)
            want = max(2, count) if varies else 1
    return answers[:want], len(answers), ""


def _same(existing: StoredGolden, golden: Golden, sig: pc.Signature, thresholds: Thresholds) -> bool:
    """Does a new record show what the stored golden holds? For a deterministic target, the same
    content; for one that samples, a fresh answer never has the same bytes, so: within the stored
    golden's thresholds, widened by its spread, as a check would judge it."""
    if golden.samples == 1 or existing.golden.samples == 1:
        return existing.golden.content() == golden.content()
    if existing.golden.input_sha256 != golden.input_sha256:
        return False
    return regression_verdict(existing.signature, sig, thresholds, spread=existing.golden.spread).status == "pass"


def record_one(client: UpscaleClient, store: GoldenStore, key: GoldenKey, input_path: Path, update: bool,
               source: dict[str, str], samples: int = 1, *, probe: bool = False,
               thresholds: Thresholds | None = None) -> RecordOutcome:
    """Record the golden of one input x combo from ``samples`` answers. With ``probe``, a second
    answer comes first: if it is byte-identical to the first the target is taken as deterministic
    and one answer is used, otherwise ``samples`` (at least two) are taken. The golden is the first
    answer; with more than one, the largest distance between two is stored as its spread."""
    thresholds = thresholds or load_thresholds()
    input_bytes = Path(input_path).read_bytes()
    answers, calls, problem = _answers(client, input_bytes, key, samples, probe)
    tried = probe and calls >= 2
    if problem:
        return RecordOutcome(key, "error", message=problem, calls=calls, samples=len(answers), probe=tried)
    input_image = pc.open_image(input_bytes)
    existing = store.read(key)
    # A golden's regions (goldens/regions.py) are kept when it is re-recorded, and masked before the signature.
    regions = regions_from(existing.golden.regions, str(existing.path)) if existing is not None else []
    sigs = [pc.signature(input_image, masked(output, regions)) for _, output in answers]
    spread = spread_between(sigs, thresholds) if len(sigs) > 1 else {}
    golden, images = golden_from(key, input_bytes, answers[0][0], sigs[0], source, spread, len(sigs),
                                 [r.to_dict() for r in means(answers[0][1], regions)])
    sig = sigs[0]
    counts = {"calls": calls, "samples": len(sigs), "probe": tried}
    if existing is not None and not update:
        same = _same(existing, golden, sig, thresholds)
        beyond = " beyond its run-to-run spread" if golden.samples > 1 and existing.golden.samples > 1 else ""
        message = "" if same else f"differs from the stored golden{beyond}; pass --update to rewrite"
        return RecordOutcome(key, "unchanged" if same else "differs", **counts, message=message)
    if existing is not None and golden.samples > 1 and _same(existing, golden, sig, thresholds):
        return RecordOutcome(key, "unchanged", **counts)  # a fresh sample of the same answer: keep the golden
    changed = store.write(key, golden, images)
    action = "created" if existing is None else ("updated" if changed else "unchanged")
    return RecordOutcome(key, action, changed, **counts)


def record(client: UpscaleClient, inputs: list[Path], golden_dir: Path, target: str, profile: Profile,
           combos: list[Combo] | None = None, *, update: bool = False, source: dict[str, str] | None = None,
           progress: Progress | None = None, samples: int = SAMPLES,
           thresholds: Thresholds | None = None) -> RecordReport:
    """Record goldens for every applicable input x combo. Without ``update`` existing goldens stay;
    with it, changed ones are rewritten and unused ones deleted (as syrupy's --snapshot-update).

    The first input of each combo is asked twice (the determinism probe). Identical answers: one
    call per input. Different ones: ``samples`` calls per input, and each golden stores the spread
    between them, which widens the thresholds it is checked with. ``samples=1``: no probe, no
    spread. :func:`record_calls` gives the cost in advance; the report counts what was spent.
    """
    thresholds = thresholds or load_thresholds()
    store = GoldenStore(golden_dir)
    combos = combos or combos_for(profile)
    source = source or {"target": target, "tool": tool_name()}
    decided: dict[Combo, int] = {}  # answers per input, once a combo's probe has told
    outcomes = []
    for path, combo in plan(inputs, profile, combos):
        key = GoldenKey(target, profile.id, combo, path.name)
        if progress:
            progress(key.describe())
        probe = samples > 1 and combo not in decided
        outcome = record_one(client, store, key, path, update, source, decided.get(combo, samples),
                             probe=probe, thresholds=thresholds)
        if outcome.probe and outcome.action != "error":
            decided[combo] = outcome.samples
        outcomes.append(outcome)
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
