"""The golden store: record what a trusted target answered, then judge later answers against it.

Small pieces with one job each, in the spirit of syrupy:

* **layout** — :class:`Combo`, :func:`target_slug`, :class:`GoldenKey`: where a golden lives,
  ``<golden_dir>/<target>/<profile>/<mode-and-model>/<input stem>.json`` plus three small PNGs
  beside it (an overview thumbnail, and two native-resolution patches: detail and flat);
* **serialize** — :class:`Golden`: the JSON document, to and from text;
* **store** — :class:`GoldenStore`: read, write only what changed, list, delete;
* **compare** — :func:`regression_verdict` (two thresholds, warn and fail, as reg-suit does) and
  :func:`portable_check` (golden-free invariants), with thresholds read from
  ``contracts/perceptual.yaml``;
* **run** — :func:`record`, :func:`check_one`, :func:`check` and :func:`unused_goldens`, which call
  the target through an :class:`~upscale_conformance.client.UpscaleClient`, so its budget applies.

No full-size output is ever written: only its sha256, hashes, band energies and the small PNGs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from PIL import Image

from . import __version__
from . import perceptual as pc
from .client import UpscaleClient, UpscaleRequest, UpscaleResult
from .contract import MODES, Profile, contracts_dir
from .errors import ContractError

SCHEMA = 1
IMAGE_SUFFIXES = (".thumb.png", ".detail.png", ".flat.png")
INPUT_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


def project_dir() -> Path:
    return Path(__file__).resolve().parents[2]


def default_golden_dir() -> Path:
    return project_dir() / "fixtures" / "goldens"


def default_inputs_dir() -> Path:
    return project_dir() / "fixtures" / "inputs"


# --- layout ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Combo:
    """A mode and, for switching modes, the model version sent in the header."""

    mode: str
    model_version: str | None = None

    @property
    def slug(self) -> str:
        return self.mode if self.model_version is None else f"{self.mode}+{self.model_version}"

    @classmethod
    def parse(cls, slug: str) -> Combo:
        mode, _, version = slug.partition("+")
        if mode not in MODES:
            raise ValueError(f"unknown mode in {slug!r} (modes: {', '.join(MODES)})")
        return cls(mode, version or None)


def combos_for(profile: Profile) -> list[Combo]:
    """Every mode, plus each known model version for the modes the header switches."""
    out = [Combo(mode) for mode in MODES]
    out += [Combo(mode, v) for mode in profile.switching_modes for v in profile.known_versions]
    return sorted(out, key=lambda c: c.slug)


def target_slug(target: str) -> str:
    """``local`` stays ``local``; a URL becomes a slug of its host (and port, if one is given).

    >>> target_slug("https://image-api.photoroom.com/v2")
    'image-api-photoroom-com'
    >>> target_slug("http://127.0.0.1:8000")
    '127-0-0-1-8000'
    """
    if target == "local":
        return "local"
    parts = urlsplit(target if "://" in target else f"http://{target}")
    host = (parts.hostname or "unknown") + (f"-{parts.port}" if parts.port else "")
    return re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-")


@dataclass(frozen=True)
class GoldenKey:
    target: str
    profile: str
    combo: Combo
    input_name: str

    @property
    def stem(self) -> str:
        return Path(self.input_name).stem

    def folder(self, root: Path) -> Path:
        return Path(root) / self.target / self.profile / self.combo.slug

    def json_path(self, root: Path) -> Path:
        return self.folder(root) / f"{self.stem}.json"

    @property
    def thumb_name(self) -> str:
        return f"{self.stem}.thumb.png"

    @property
    def detail_name(self) -> str:
        return f"{self.stem}.detail.png"

    @property
    def flat_name(self) -> str:
        return f"{self.stem}.flat.png"

    def describe(self) -> str:
        return f"{self.input_name} [{self.combo.slug}]"


# --- serialize ----------------------------------------------------------------------------------------


@dataclass
class Golden:
    """One golden JSON document. Images are referenced by file name, never embedded."""

    input: str
    input_sha256: str
    target: str
    profile: str
    mode: str
    model_version: str | None
    output: dict[str, Any]  # width, height, content_type, format, sha256, bytes
    hashes: dict[str, str]
    thumbnail: str
    patches: dict[str, dict[str, Any]]  # detail / flat: file, box (output pixels)
    bands: dict[str, float]  # band energies of the output, see perceptual.band_energies
    recorded_at: str
    recorded_from: dict[str, str]
    schema: int = SCHEMA

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str = "golden") -> Golden:
        try:
            data = json.loads(text)
            if data.get("schema") != SCHEMA:
                raise ValueError(f"schema {data.get('schema')!r}, expected {SCHEMA}")
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise ContractError(where, "", f"not a golden document ({exc})") from None

    def content(self) -> dict[str, Any]:
        """What identifies the recorded answer; provenance (when, from where) left out."""
        data = asdict(self)
        for key in ("recorded_at", "recorded_from"):
            data.pop(key)
        return data


def _load_png(path: Path) -> Image.Image:
    with Image.open(path) as im:
        im.load()
        return im.copy()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def golden_from(key: GoldenKey, input_bytes: bytes, result: UpscaleResult, sig: pc.Signature,
                source: dict[str, str]) -> Golden:
    return Golden(
        input=key.input_name,
        input_sha256=_sha256(input_bytes),
        target=key.target,
        profile=key.profile,
        mode=key.combo.mode,
        model_version=key.combo.model_version,
        output={"width": sig.width, "height": sig.height, "content_type": result.content_type,
                "format": result.format, "sha256": _sha256(result.content), "bytes": len(result.content)},
        hashes=sig.hashes.as_dict(),
        thumbnail=key.thumb_name,
        patches={"detail": {"file": key.detail_name, "box": list(sig.detail_box)},
                 "flat": {"file": key.flat_name, "box": list(sig.flat_box)}},
        bands={k: float(f"{v:.6g}") for k, v in sig.bands.items()},
        recorded_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        recorded_from=source,
    )


# --- store --------------------------------------------------------------------------------------------


@dataclass
class StoredGolden:
    golden: Golden
    signature: pc.Signature
    path: Path


class GoldenStore:
    """Goldens on disk under one root. Writes touch a file only when its bytes change."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def read(self, key: GoldenKey) -> StoredGolden | None:
        path = key.json_path(self.root)
        if not path.is_file():
            return None
        golden = Golden.from_json(path.read_text(encoding="utf-8"), str(path))
        folder = path.parent
        try:
            thumb = _load_png(folder / golden.thumbnail)
            detail, flat = (_load_png(folder / golden.patches[k]["file"]) for k in ("detail", "flat"))
        except (OSError, KeyError) as exc:
            raise ContractError(str(path), "thumbnail", f"image beside the golden unreadable ({exc})") from None
        sig = pc.Signature(golden.output["width"], golden.output["height"], pc.ImageHashes(**golden.hashes),
                           thumb, detail, tuple(golden.patches["detail"]["box"]), flat,
                           tuple(golden.patches["flat"]["box"]), dict(golden.bands))
        return StoredGolden(golden, sig, path)

    def write(self, key: GoldenKey, golden: Golden, images: dict[str, bytes]) -> list[str]:
        """Write the golden and its images (file name -> PNG bytes); returns the names of the files
        whose content changed (empty: unchanged)."""
        folder = key.folder(self.root)
        folder.mkdir(parents=True, exist_ok=True)
        changed = []
        old = self.read(key) if key.json_path(self.root).is_file() else None
        for name, data in images.items():
            path = folder / name
            if not path.is_file() or path.read_bytes() != data:
                path.write_bytes(data)
                changed.append(name)
        # Provenance alone never rewrites a golden: an unchanged answer keeps its first record date.
        if old is None or old.golden.content() != golden.content() or changed:
            key.json_path(self.root).write_text(golden.to_json(), encoding="utf-8")
            changed.insert(0, key.json_path(self.root).name)
        return changed

    def delete(self, json_path: Path) -> list[Path]:
        """Remove a golden and the images beside it; returns what was removed."""
        stem = json_path.name.removesuffix(".json")
        removed = []
        for path in [json_path] + [json_path.with_name(stem + suffix) for suffix in IMAGE_SUFFIXES]:
            if path.is_file():
                path.unlink()
                removed.append(path)
        return removed

    def files(self, target: str, profile: str) -> list[Path]:
        """Every golden file (JSON and PNG) of one target and profile."""
        base = self.root / target / profile
        return sorted(p for p in base.glob("*/*") if p.is_file()) if base.is_dir() else []


# --- thresholds ---------------------------------------------------------------------------------------


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
    return Thresholds(fidelity, sharp, regression, str(path))


def load_thresholds(path: Path | None = None) -> Thresholds:
    """Thresholds from ``contracts/perceptual.yaml`` (or ``path``)."""
    path = Path(path or thresholds_path())
    if not path.is_file():
        raise ContractError(str(path), "", "file not found")
    return _load_thresholds(path, path.stat().st_mtime)


# --- compare ------------------------------------------------------------------------------------------

STATUS_ORDER = ("pass", "warn", "fail")


@dataclass(frozen=True)
class MetricVerdict:
    name: str
    value: float
    status: str  # pass | warn | fail | info (measured, not judged)
    warn: float | None = None
    fail: float | None = None

    def describe(self) -> str:
        value = f"{self.value:.4f}".rstrip("0").rstrip(".") if isinstance(self.value, float) else str(self.value)
        if self.fail is None:
            return f"{self.name}={value}"
        return f"{self.name}={value} ({self.status}; warn {self.warn:g}, fail {self.fail:g})"


@dataclass
class RegressionVerdict:
    """Distance to the golden of the same target. status: pass | warn | fail | missing | error."""

    status: str
    message: str
    metrics: list[MetricVerdict] = field(default_factory=list)
    identical: bool = False
    golden_path: str = ""

    @property
    def worst(self) -> MetricVerdict | None:
        judged = [m for m in self.metrics if m.status in STATUS_ORDER]
        return max(judged, key=lambda m: STATUS_ORDER.index(m.status), default=None)


def judge(distances: dict[str, float], thresholds: Thresholds) -> tuple[str, list[MetricVerdict]]:
    """Each metric against its warn/fail thresholds (unlisted metrics: info); the worst one decides."""
    metrics = []
    for name, value in distances.items():
        limit = thresholds.regression.get(name)
        if limit is None:
            metrics.append(MetricVerdict(name, value, "info"))
        else:
            metrics.append(MetricVerdict(name, value, limit.status(value), limit.warn, limit.fail))
    status = max((m.status for m in metrics if m.status in STATUS_ORDER), key=STATUS_ORDER.index, default="pass")
    return status, metrics


def regression_verdict(golden: pc.Signature, candidate: pc.Signature, thresholds: Thresholds,
                       golden_sha256: str = "", candidate_sha256: str = "") -> RegressionVerdict:
    """Judge a candidate's signature against the golden's: the worst metric decides."""
    if golden_sha256 and golden_sha256 == candidate_sha256:
        return RegressionVerdict("pass", "byte-identical to the golden", identical=True)
    if (golden.width, golden.height) != (candidate.width, candidate.height):
        return RegressionVerdict("fail", f"output is {candidate.width}x{candidate.height}, "
                                         f"the golden {golden.width}x{golden.height}")
    status, metrics = judge(pc.signature_distances(golden, candidate), thresholds)
    bad = [m.describe() for m in metrics if m.status in ("warn", "fail")]
    message = "; ".join(bad) if bad else "within thresholds: " + ", ".join(
        m.describe().split(" (")[0] for m in metrics if m.status == "pass")
    return RegressionVerdict(status, message, metrics)


@dataclass
class PortableVerdict:
    """Golden-free invariants: the round trip (geometry, colour) and sharpness against bicubic."""

    ok: bool
    message: str
    fidelity: pc.FidelityVerdict
    sharpness: float
    min_sharpness: float

    @property
    def defect(self) -> str | None:
        if not self.fidelity.ok:
            return self.fidelity.defect
        return None if self.sharpness >= self.min_sharpness else "soft"


def portable_check(input_image: pc.ImageSource, output_image: pc.ImageSource,
                   thresholds: Thresholds | None = None) -> PortableVerdict:
    """Would any honest upscaler have produced this? Needs no golden: usable on any new target.

    Takes decoded images, bytes or paths; the input's EXIF orientation is applied first.
    """
    thresholds = thresholds or load_thresholds()
    input_image, output_image = pc.open_image(input_image), pc.open_image(output_image)
    fidelity = pc.fidelity_verdict(pc.roundtrip_distance(input_image, output_image), thresholds.fidelity)
    sharpness = pc.sharpness_ratio(input_image, output_image)
    sharp_ok = sharpness >= thresholds.min_sharpness
    parts = [fidelity.message, f"sharpness x{sharpness:.2f} of bicubic"
             + ("" if sharp_ok else f" (below {thresholds.min_sharpness:g}: softer than a plain bicubic upscale)")]
    return PortableVerdict(fidelity.ok and sharp_ok, "; ".join(parts), fidelity, sharpness, thresholds.min_sharpness)


# --- run against a target -----------------------------------------------------------------------------


def list_inputs(folder: Path | None = None) -> list[Path]:
    """The input images of a folder, sorted; two inputs may not share a stem (goldens are by stem)."""
    folder = Path(folder or default_inputs_dir())
    if not folder.is_dir():
        raise ContractError(str(folder), "", "inputs folder not found")
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in INPUT_SUFFIXES and p.is_file())
    stems = [p.stem for p in paths]
    dupes = sorted({s for s in stems if stems.count(s) > 1})
    if dupes:
        raise ContractError(str(folder), "", f"inputs share a stem: {', '.join(dupes)}")
    return paths


def applicable(profile: Profile, combo: Combo, image: Image.Image) -> bool:
    """Is this (oriented) input within the mode's limit under the profile?"""
    return profile.limit(combo.mode).accepts(*image.size)


def upscale(client: UpscaleClient, input_bytes: bytes, name: str, combo: Combo,
            export_format: str | None = None) -> UpscaleResult:
    request = UpscaleRequest(image=input_bytes, mode=combo.mode, filename=name,
                             model_version=combo.model_version, export_format=export_format)
    return client.send(request)


def _output_image(result: UpscaleResult) -> tuple[Image.Image | None, str]:
    if result.status != 200:
        body = result.content[:200].decode("utf-8", "replace")
        return None, f"target answered {result.status}: {body}"
    if result.image is None:
        return None, f"200 answer does not decode ({result.decode_error})"
    return pc.open_image(result.image), ""


@dataclass
class GoldenCheck:
    """The outcome of one input x combo: both verdicts, with evidence for a report."""

    key: GoldenKey
    input_path: Path
    regression: RegressionVerdict
    portable: PortableVerdict | None = None
    diff_png: bytes | None = None
    content_type: str = ""
    elapsed: float = 0.0

    @property
    def status(self) -> str:
        """fail if the regression failed or had nothing to compare; portable failures only warn
        (PERCEPTUAL-PORTABLE is a should clause)."""
        if self.regression.status in ("fail", "missing", "error"):
            return "fail"
        if self.regression.status == "warn" or (self.portable is not None and not self.portable.ok):
            return "warn"
        return "pass"


def check_one(client: UpscaleClient, input_path: Path, golden_dir: Path, target: str, profile: str | Profile,
              mode: str, model_version: str | None = None, *, thresholds: Thresholds | None = None,
              export_format: str | None = None) -> GoldenCheck:
    """Upscale one input on the target and judge the answer: portable and regression verdicts.

    ``target`` is the golden slug (``local`` or :func:`target_slug` of a URL); ``profile`` a
    :class:`Profile` or its id. Budget and connection errors propagate (the caller reports them
    as inconclusive); an unreadable golden raises :class:`ContractError`.
    """
    thresholds = thresholds or load_thresholds()
    input_path = Path(input_path)
    profile_id = profile.id if isinstance(profile, Profile) else profile
    key = GoldenKey(target, profile_id, Combo(mode, model_version), input_path.name)
    store = GoldenStore(golden_dir)
    stored = store.read(key)
    input_bytes = input_path.read_bytes()
    result = upscale(client, input_bytes, input_path.name, key.combo, export_format)
    output, problem = _output_image(result)
    if output is None:
        return GoldenCheck(key, input_path, RegressionVerdict("error", problem), content_type=result.content_type,
                           elapsed=result.elapsed)
    input_image = pc.open_image(input_bytes)
    portable = portable_check(input_image, output, thresholds)
    if stored is None:
        regression = RegressionVerdict("missing", f"no golden at {key.json_path(golden_dir)} (run goldens record)")
    elif stored.golden.input_sha256 != _sha256(input_bytes):
        # Distances to the golden of another picture mean nothing.
        regression = RegressionVerdict("fail", "the input changed since the golden was recorded "
                                               "(re-record with --update)", golden_path=str(stored.path))
    else:
        candidate = pc.signature(input_image, output)
        regression = regression_verdict(stored.signature, candidate, thresholds,
                                        stored.golden.output["sha256"], _sha256(result.content))
        regression.golden_path = str(stored.path)
    diff = None
    if regression.status in ("warn", "fail") or not portable.ok:
        diff = pc.diff_image(input_image, output, stored.signature if stored else None)
    return GoldenCheck(key, input_path, regression, portable, diff, result.content_type, result.elapsed)


Progress = Callable[[str], None]


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


@dataclass
class CheckReport:
    checks: list[GoldenCheck]
    unused: list[Path]

    def count(self, status: str) -> int:
        return sum(c.status == status for c in self.checks)


def plan(inputs: Iterable[Path], profile: Profile, combos: Iterable[Combo]) -> list[tuple[Path, Combo]]:
    """Every (input, combo) pair the profile's limits allow: the calls a record or check will make."""
    pairs = []
    for path in inputs:
        with Image.open(path) as im:
            oriented = pc.open_image(im)
            for combo in combos:
                if applicable(profile, combo, oriented):
                    pairs.append((path, combo))
    return pairs


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


def check(client: UpscaleClient, inputs: list[Path], golden_dir: Path, target: str, profile: Profile,
          combos: list[Combo] | None = None, *, thresholds: Thresholds | None = None,
          export_format: str | None = None, progress: Progress | None = None) -> CheckReport:
    """Check every applicable input x combo against its golden."""
    thresholds = thresholds or load_thresholds()
    combos = combos or combos_for(profile)
    checks = []
    for path, combo in plan(inputs, profile, combos):
        if progress:
            progress(f"{path.name} [{combo.slug}]")
        checks.append(check_one(client, path, golden_dir, target, profile.id, combo.mode, combo.model_version,
                                thresholds=thresholds, export_format=export_format))
    return CheckReport(checks, unused_goldens(golden_dir, target, profile, inputs, combos_for(profile)))


def unused_goldens(golden_dir: Path, target: str, profile: Profile, inputs: Iterable[Path],
                   combos: Iterable[Combo]) -> list[Path]:
    """Golden files no current input x combo would produce (an input removed, a mode dropped)."""
    wanted = {(c.slug, p.stem) for p, c in plan(inputs, profile, combos)}
    unused = []
    for path in GoldenStore(golden_dir).files(target, profile.id):
        stem = golden_stem(path.name)
        if stem is None or (path.parent.name, stem) not in wanted:
            unused.append(path)
    return unused


def golden_stem(file_name: str) -> str | None:
    """The input stem a golden file belongs to (None: not a golden file at all)."""
    for suffix in (".json", *IMAGE_SUFFIXES):
        if file_name.endswith(suffix):
            return file_name[: -len(suffix)]
    return None
