"""The contract as data: clauses, profiles and the OpenAPI document under ``contracts/``.

Everything that varies between vendor contract versions (limits, statuses, formats) is read
from these files so that the server, the suites and the reports share one source of truth.

>>> profile = load_profile("pixel-budget-2026")
>>> profile.limit("ai.fast").accepts(2000, 500)
True
>>> profile.limit("ai.fast").accepts(2001, 500)
False
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from . import data
from .errors import ContractError

LEVELS = ("must", "should", "observe")
MODES = ("ai.fast", "ai.slow")
SCALE = 4  # the documented enlargement, in width and height
# Names on the wire, from the vendor's page; the client, the server and the suites all use these.
MODEL_HEADER = "pr-ai-upscale-model-version"
NEW_FAST_MODEL = "ai-upscale-2025-07-29"
UNSUPPORTED_HEADER = "pr-unsupported-attributes"
# "The minimum accepted size is unknown" (CONTRACT-NOTES), and the notes' own examples stop at 4:1
# (2000x500). A size is promised to be accepted only if no server could call its shape degenerate;
# thinner or longer ones are recorded (LIMIT-MIN-SIZE), not failed.
ORDINARY_MIN_SIDE = 16
ORDINARY_MAX_ASPECT = 4


def is_ordinary(width: int, height: int) -> bool:
    """Whether a limit's acceptance of this shape is a promise (see ORDINARY_MIN_SIDE).

    >>> is_ordinary(2000, 500), is_ordinary(1, 1000), is_ordinary(4096, 64)
    (True, False, False)
    """
    short, long = sorted((width, height))
    return short >= ORDINARY_MIN_SIDE and long <= ORDINARY_MAX_ASPECT * short


SANDBOX_KEY_PREFIX = "sandbox_"  # a free sandbox key: results carry a watermark (CONTRACT-NOTES, Request)


def is_sandbox_key(key: str | None) -> bool:
    """Whether ``key`` is a vendor sandbox key (free, watermarked results).

    >>> is_sandbox_key("sandbox_abc"), is_sandbox_key("sk_live_abc"), is_sandbox_key(None)
    (True, False, False)
    """
    return bool(key) and key.startswith(SANDBOX_KEY_PREFIX)


def contracts_dir() -> Path:
    """Where the contract files live: $UPSCALE_CONTRACTS_DIR, else the shipped ``contracts/``."""
    return data.contracts_dir()


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ContractError(str(path), "", "file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        raise ContractError(str(path), where, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise ContractError(str(path), "", "expected a mapping at the top level")
    return data


def _need(data: dict, key: str, kind: type | tuple, path: Path, prefix: str = "") -> Any:
    name = f"{prefix}{key}"
    if key not in data:
        raise ContractError(str(path), name, "is missing")
    value = data[key]
    if isinstance(value, bool) and kind in (int, (int, float)):
        raise ContractError(str(path), name, f"must be a number, got {value!r}")
    if not isinstance(value, kind):
        want = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise ContractError(str(path), name, f"must be {want}, got {type(value).__name__} {value!r}")
    return value


# --- clauses -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clause:
    id: str
    promise: str
    source: str
    level: str
    group: str


@cache
def _load_clauses(path: Path) -> dict[str, Clause]:
    data = _read_yaml(path)
    entries = _need(data, "clauses", list, path)
    out: dict[str, Clause] = {}
    for i, entry in enumerate(entries):
        prefix = f"clauses[{i}]."
        if not isinstance(entry, dict):
            raise ContractError(str(path), f"clauses[{i}]", "must be a mapping")
        values = {k: _need(entry, k, str, path, prefix) for k in ("id", "promise", "source", "level", "group")}
        if values["level"] not in LEVELS:
            raise ContractError(str(path), prefix + "level", f"must be one of {', '.join(LEVELS)}")
        if values["id"] in out:
            raise ContractError(str(path), prefix + "id", f"duplicate clause ID {values['id']}")
        out[values["id"]] = Clause(**values)
    return out


def load_clauses(path: Path | None = None) -> dict[str, Clause]:
    """All clauses by ID, in registry order."""
    return dict(_load_clauses(path or contracts_dir() / "clauses.yaml"))


# --- limits --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    """A mode's input limit on oriented dimensions: a pixel budget or a per-axis bound."""

    kind: str  # "pixels" | "per_axis"
    max_pixels: int = 0
    max_width: int = 0
    max_height: int = 0

    def accepts(self, width: int, height: int) -> bool:
        if self.kind == "pixels":
            return width * height <= self.max_pixels
        return width <= self.max_width and height <= self.max_height

    def largest_height(self, width: int) -> int:
        """The tallest accepted height for this width (0 if no height fits)."""
        if self.kind == "pixels":
            return self.max_pixels // width
        return self.max_height if width <= self.max_width else 0

    def fit(self, width: int, height: int) -> tuple[int, int]:
        """The largest size with the same aspect ratio that the limit accepts (downscaleIfNeeded=always).

        >>> Limit("pixels", max_pixels=1_000_000).fit(4000, 1000)
        (2000, 500)
        >>> Limit("per_axis", max_width=512, max_height=512).fit(1024, 600)
        (512, 300)
        """
        if self.accepts(width, height):
            return width, height
        if self.kind == "pixels":
            scale = math.sqrt(self.max_pixels / (width * height))
        else:
            scale = min(self.max_width / width, self.max_height / height)
        # The epsilon keeps 1003 * (512 / 1003) from flooring to 511.
        w, h = max(1, math.floor(width * scale + 1e-9)), max(1, math.floor(height * scale + 1e-9))
        # Floating point can land one pixel over; step down on the longer side until it fits.
        while not self.accepts(w, h):
            if w >= h:
                w -= 1
            else:
                h -= 1
        return w, h

    def largest_square(self) -> int:
        if self.kind == "pixels":
            return math.isqrt(self.max_pixels)
        return min(self.max_width, self.max_height)

    def describe(self) -> str:
        if self.kind == "pixels":
            return f"{self.max_pixels:,} pixels"
        return f"{self.max_width}x{self.max_height} per axis"


def _parse_limit(data: Any, path: Path, prefix: str) -> Limit:
    if not isinstance(data, dict):
        raise ContractError(str(path), prefix.rstrip("."), "must be a mapping")
    kind = _need(data, "kind", str, path, prefix)
    if kind == "pixels":
        n = _need(data, "max_pixels", int, path, prefix)
        if n <= 0:
            raise ContractError(str(path), prefix + "max_pixels", "must be positive")
        return Limit("pixels", max_pixels=n)
    if kind == "per_axis":
        w = _need(data, "max_width", int, path, prefix)
        h = _need(data, "max_height", int, path, prefix)
        if w <= 0 or h <= 0:
            raise ContractError(str(path), prefix + "max_width/max_height", "must be positive")
        return Limit("per_axis", max_width=w, max_height=h)
    raise ContractError(str(path), prefix + "kind", f"must be 'pixels' or 'per_axis', got {kind!r}")


# --- profiles ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """One contract version: limits per mode and the answers that are unknown elsewhere."""

    id: str
    title: str
    source: str
    default: bool
    limits: dict[str, Limit]
    known_versions: tuple[str, ...]
    switching_modes: tuple[str, ...]
    export_formats: dict[str, str]
    max_upload_bytes: int
    statuses: dict[str, tuple[int, ...]]
    pins: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: str = ""

    def limit(self, mode: str) -> Limit:
        return self.limits[mode]

    def status(self, name: str) -> tuple[int, ...]:
        return self.statuses[name]

    def level_of(self, clause: Clause) -> str:
        """A pin makes an observe clause judged (must)."""
        return "must" if clause.id in self.pins and clause.level == "observe" else clause.level


STATUS_KEYS = ("over_limit", "auth", "unknown_mode", "bad_request", "too_large_upload")


def profile_path(name_or_path: str) -> Path:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or os.sep in name_or_path:
        return p
    return contracts_dir() / "profiles" / f"{name_or_path}.yaml"


def _statuses(data: dict, path: Path) -> dict[str, tuple[int, ...]]:
    out = {}
    for key in STATUS_KEYS:
        values = _need(data, key, list, path, "statuses.")
        if not values or not all(isinstance(v, int) and 100 <= v <= 599 for v in values):
            raise ContractError(str(path), f"statuses.{key}", "must be a non-empty list of HTTP statuses")
        out[key] = tuple(values)
    return out


def load_profile(name_or_path: str | None = None) -> Profile:
    """Load a profile by name (``contracts/profiles/<name>.yaml``) or path; None means the default."""
    path = profile_path(name_or_path or default_profile_name())
    if not path.is_file():
        known = ", ".join(available_profiles()) or "none"
        raise ContractError(str(path), "", f"profile not found (available: {known})")
    data = _read_yaml(path)
    modes = _need(data, "modes", dict, path)
    limits = {}
    for mode in MODES:
        entry = _need(modes, mode, dict, path, "modes.")
        limits[mode] = _parse_limit(entry.get("limit"), path, f"modes.{mode}.limit.")
    unknown_modes = set(modes) - set(MODES)
    if unknown_modes:
        raise ContractError(str(path), "modes", f"unknown mode(s) {sorted(unknown_modes)}")
    versions = _need(data, "model_versions", dict, path)
    formats = _need(data, "export_formats", dict, path)
    if "png" not in formats:
        raise ContractError(str(path), "export_formats.png", "is missing (png is the documented default)")
    pins = data.get("pins") or {}
    if not isinstance(pins, dict):
        raise ContractError(str(path), "pins", "must be a mapping of clause ID to expectation")
    return Profile(
        id=_need(data, "id", str, path),
        title=_need(data, "title", str, path),
        source=_need(data, "source", str, path),
        default=bool(data.get("default", False)),
        limits=limits,
        known_versions=tuple(_need(versions, "known", list, path, "model_versions.")),
        switching_modes=tuple(_need(versions, "switches", list, path, "model_versions.")),
        export_formats={str(k): str(v) for k, v in formats.items()},
        max_upload_bytes=_need(data, "max_upload_bytes", int, path),
        statuses=_statuses(_need(data, "statuses", dict, path), path),
        pins=pins,
        path=str(path),
    )


def available_profiles() -> list[str]:
    folder = contracts_dir() / "profiles"
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def default_profile_name() -> str:
    for name in available_profiles():
        data = yaml.safe_load((contracts_dir() / "profiles" / f"{name}.yaml").read_text()) or {}
        if data.get("default"):
            return name
    return "pixel-budget-2026"


def openapi_path() -> Path:
    return contracts_dir() / "upscale.openapi.yaml"


def load_openapi() -> dict[str, Any]:
    return _read_yaml(openapi_path())


# --- cross-file validation -----------------------------------------------------------------------


def validate_contract() -> list[str]:
    """Check the three kinds of file against each other; returns a list of problems (empty: valid)."""
    from openapi_spec_validator import validate as validate_spec

    problems: list[str] = []
    try:
        clauses = load_clauses()
    except ContractError as exc:
        return [str(exc)]
    try:
        spec = load_openapi()
        validate_spec(spec)
    except ContractError as exc:
        problems.append(str(exc))
        spec = {}
    except Exception as exc:  # the validator raises its own hierarchy; report it as one line
        problems.append(f"{openapi_path()}: invalid OpenAPI: {str(exc).splitlines()[0]}")
        spec = {}
    enums = _openapi_enums(spec)
    for name in available_profiles():
        try:
            profile = load_profile(name)
        except ContractError as exc:
            problems.append(str(exc))
            continue
        where = profile.path
        if profile.id != name:
            problems.append(f"{where}: id: {profile.id!r} differs from the file name {name!r}")
        for clause_id in profile.pins:
            if clause_id not in clauses:
                problems.append(f"{where}: pins.{clause_id}: no such clause in clauses.yaml")
            elif clauses[clause_id].level != "observe":
                problems.append(f"{where}: pins.{clause_id}: only observe clauses can be pinned")
        for fmt in profile.export_formats:
            if enums.get("export.format") and fmt not in enums["export.format"]:
                problems.append(f"{where}: export_formats.{fmt}: not in the OpenAPI export.format enum")
        for version in profile.known_versions:
            if enums.get("version") and version not in enums["version"]:
                problems.append(f"{where}: model_versions.known: {version} not in the OpenAPI header enum")
        for mode in profile.switching_modes:
            if mode not in MODES:
                problems.append(f"{where}: model_versions.switches: unknown mode {mode}")
    if enums.get("upscale.mode") and set(enums["upscale.mode"]) != set(MODES):
        problems.append(f"{openapi_path()}: upscale.mode enum differs from {MODES}")
    problems.extend(_unchecked_clauses(clauses))
    problems.extend(_unsourced_musts(clauses))
    return problems


# Where a must clause's sentence may come from (docs/must-audit.md): the vendor's page, the notes,
# the OpenAPI document written from them, or the product's own promise about a user's goldens.
MUST_SOURCES = ("seed:", "CONTRACT-NOTES:", "contracts/", "product brief:")


def _unsourced_musts(clauses: dict[str, Clause]) -> list[str]:
    """A must clause fails runs, so it must name where its sentence is; anything else is should/observe."""
    return [f"clauses.yaml: {c.id}: a must clause needs a source starting with one of {', '.join(MUST_SOURCES)} "
            f"(got {c.source!r}); without a sentence to name, make it should or observe"
            for c in clauses.values() if c.level == "must" and not c.source.startswith(MUST_SOURCES)]


def suites_dir() -> Path:
    return data.suites_dir()


def _unchecked_clauses(clauses: dict[str, Clause]) -> list[str]:
    """Each clause is tested in one place: the suite module of its group must mention its ID."""
    folder = suites_dir()
    if not folder.is_dir():
        return []  # an installed copy without the suites has nothing to cross-check
    problems = []
    for clause in clauses.values():
        module = folder / f"test_{clause.group}.py"
        if not module.is_file():
            problems.append(f"clauses.yaml: {clause.id}: group {clause.group!r} has no suite module {module.name}")
        elif f'"{clause.id}"' not in module.read_text(encoding="utf-8"):
            problems.append(f"clauses.yaml: {clause.id}: no test in {module.name} is marked with it")
    return problems


def _openapi_enums(spec: dict[str, Any]) -> dict[str, list[str]]:
    try:
        op = spec["paths"]["/v2/edit"]["post"]
        props = op["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    except (KeyError, TypeError):
        return {}
    out = {k: v["enum"] for k, v in props.items() if isinstance(v, dict) and "enum" in v}
    for param in op.get("parameters", []):
        if param.get("name") == MODEL_HEADER:
            out["version"] = param.get("schema", {}).get("enum", [])
    return out
