"""``contract diff``: what changed for AI Upscale between two versions of the vendor's document.

Classification, from a client's point of view: a value or field removed, an error body of a
different shape, a limit that accepts fewer sizes, and a limit sentence that cannot be read
("limit wording changed — review") are **breaking**; values, fields, statuses or sizes added
are **notable** (non-breaking). A per-axis limit turned into a pixel budget with the same corner
(1000x1000 -> 1,000,000 pixels) is a widening, so notable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..contract import MODEL_HEADER, MODES, Limit, available_profiles, load_profile
from . import limits as lim
from .openapi import Resolver, edit_fields, edit_operations, enum_values, error_shapes, header, load_document
from .prose import ProseLimits, parse_limits

ENUM_FIELDS = ("upscale.mode", "upscale.downscaleIfNeeded", "export.format")
CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "webp": "image/webp",
                 "avif": "image/avif"}


@dataclass
class Facts:
    """What AI Upscale depends on in one document. ``enums[f]`` is None when the field is absent."""

    path: str
    version: str
    has_edit: bool
    enums: dict[str, tuple[str, ...] | None]
    header_versions: tuple[str, ...] | None
    errors: dict[str, str]
    prose: ProseLimits = field(default_factory=ProseLimits)
    max_upload: int | None = None


@dataclass(frozen=True)
class Change:
    severity: str  # breaking | notable
    what: str
    topic: str = ""  # "limit" for the limits stated in prose

    def line(self) -> str:
        return f"{'breaking' if self.severity == 'breaking' else 'notable ':8}  {self.what}"


def read_facts(path: Path) -> Facts:
    doc = load_document(path)
    resolve = Resolver(doc)
    ops = edit_operations(doc)
    fields = edit_fields(ops, resolve)
    modes = tuple(dict.fromkeys([*MODES, *enum_values(fields["upscale.mode"].schema, resolve)])) \
        if "upscale.mode" in fields else MODES
    enums = {name: (enum_values(fields[name].schema, resolve) if name in fields else None) for name in ENUM_FIELDS}
    param, versions = header(ops, MODEL_HEADER, resolve)
    prose = ProseLimits()
    texts = [(op.get("description") or "") + "\n" + (op.get("summary") or "") for op in ops]
    texts += [(param or {}).get("description") or ""]
    for text in dict.fromkeys(texts):
        prose.merge(parse_limits(text, known_modes=modes))
    for name, f in fields.items():  # an upscale field's description is about upscaling throughout
        if f.description and (name.startswith("upscale") or name == "imageFile"):
            prose.merge(parse_limits(f.description, about_upscale=True, known_modes=modes))
    upload = fields.get("imageFile")
    max_upload = upload.schema.get("maxLength") if upload else None
    version = str((doc.get("info") or {}).get("version") or "unversioned")
    return Facts(str(path), version, bool(ops), enums, None if param is None else versions,
                 error_shapes(ops, resolve), prose, max_upload if isinstance(max_upload, int) else None)


def _values(name: str, old: tuple[str, ...] | None, new: tuple[str, ...] | None) -> list[Change]:
    if old is None and new is None:
        return []
    if old is None:
        return [Change("notable", f"{name} added" + (f": {', '.join(new)}" if new else ""))]
    if new is None:
        return [Change("breaking", f"{name} removed (was {', '.join(old) or 'free text'})")]
    out = [Change("breaking", f"{name}: {v!r} removed") for v in old if v not in new]
    return out + [Change("notable", f"{name}: {v!r} added") for v in new if v not in old]


def diff(old: Facts, new: Facts) -> list[Change]:
    """The changelog, breaking first."""
    out: list[Change] = []
    if old.has_edit and not new.has_edit:
        out.append(Change("breaking", "/v2/edit is no longer in the document"))
    for name in ENUM_FIELDS:
        out += _values(name, old.enums[name], new.enums[name])
    out += _values(f"header {MODEL_HEADER}", old.header_versions, new.header_versions)
    for status in sorted(set(old.errors) | set(new.errors)):
        a, b = old.errors.get(status), new.errors.get(status)
        if a is None:
            out.append(Change("notable", f"error {status} documented: {b}"))
        elif b is None:
            out.append(Change("notable", f"error {status} no longer documented (was {a})"))
        elif a != b:
            out.append(Change("breaking", f"error {status} body changed shape: {a} -> {b}"))
    out += _limits(old.prose, new.prose)
    return sorted(out, key=lambda c: c.severity != "breaking")


def _who(key: tuple[str, str | None]) -> str:
    return key[0] + ("" if key[1] is None else f" with {key[1]}")


def _limits(old: ProseLimits, new: ProseLimits) -> list[Change]:
    out = []
    for key in sorted(set(old.limits) | set(new.limits), key=lambda k: (k[0], k[1] or "")):
        a, b = old.limits.get(key), new.limits.get(key)
        if a is None:
            out.append(Change("notable", f"{_who(key)} limit now stated: {b.describe()} ({new.sentences[key]!r})",
                              "limit"))
        elif b is None:
            out.append(Change("breaking", f"{_who(key)} limit no longer stated (was {a.describe()}) — review", "limit"))
        elif lim.change(a, b) != "same":
            severity = "breaking" if lim.change(a, b) == "narrower" else "notable"
            out.append(Change(severity, f"{_who(key)} limit: {lim.describe_change(a, b)}", "limit"))
    normal = {_normal(s) for s in old.unparsed}
    for sentence in new.unparsed:
        if _normal(sentence) not in normal:
            out.append(Change("breaking", f"limit wording changed — review: {sentence!r}", "limit"))
    return out


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def suggest_profile(old: Facts, new: Facts, changes: list[Change]) -> str | None:
    """When the default model's limits changed: the existing profile that matches them, or a new
    profile file (contracts/profiles/*.yaml format) to review and add."""
    if not any(c.topic == "limit" for c in changes):
        return None
    stated = {mode: new.prose.limits.get((mode, None)) for mode in MODES}
    for name in available_profiles():
        profile = load_profile(name)
        if all(stated[m] == profile.limit(m) for m in MODES):
            return (f"limits changed: the new document matches profile `{name}` ({profile.path}); "
                    f"run with --profile {name}")
    return "limits changed and no profile matches; suggested new profile:\n" + profile_yaml(new, stated)


def _limit_yaml(limit: Limit) -> str:
    if limit.kind == "pixels":
        return f"{{kind: pixels, max_pixels: {limit.max_pixels}}}"
    return f"{{kind: per_axis, max_width: {limit.max_width}, max_height: {limit.max_height}}}"


def profile_yaml(new: Facts, stated: dict[str, Limit | None]) -> str:
    """A profile for ``new``: its limits, formats and versions; statuses from the default profile."""
    base = load_profile(None)
    limits = {m: stated[m] or base.limit(m) for m in MODES}
    kinds = {lim_.kind for lim_ in limits.values()}
    stem = "pixel-budget" if kinds == {"pixels"} else "per-axis" if kinds == {"per_axis"} else "limits"
    ident = f"{stem}-{re.sub(r'[^A-Za-z0-9.-]+', '-', new.version).strip('-')}"
    formats = [f for f in new.enums["export.format"] or base.export_formats if f in CONTENT_TYPES] or ["png"]
    versions = list(new.header_versions or base.known_versions)
    lines = [f"# Suggested by `upscale-conformance contract diff` from {new.path}; review before adding.",
             f"id: {ident}", f"title: Limits of the vendor document {new.version}",
             f'source: "vendor OpenAPI document {new.version}"', "default: false", "modes:"]
    for mode in MODES:
        note = "" if stated[mode] else f"  # not stated in the document: kept from {base.id}"
        lines += [f"  {mode}:", f"    limit: {_limit_yaml(limits[mode])}{note}"]
    lines += ["model_versions:", f"  known: [{', '.join(versions)}]",
              f"  switches: [{', '.join(base.switching_modes)}]", "export_formats:"]
    lines += [f"  {f}: {CONTENT_TYPES[f]}" for f in dict.fromkeys(["png", *formats])]
    lines.append(f"max_upload_bytes: {new.max_upload or base.max_upload_bytes}")
    lines.append("statuses:")
    lines += [f"  {k}: [{', '.join(map(str, v))}]" for k, v in base.statuses.items()]
    lines.append("pins: {}")
    return "\n".join(lines) + "\n"
