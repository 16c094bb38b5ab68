"""The golden JSON document, to and from text. Images are referenced by file name, never embedded."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from .. import perceptual as pc
from ..client import UpscaleResult
from ..errors import ContractError
from .keys import GoldenKey

SCHEMA = 1


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
    # A target whose answers vary run to run: how many answers were taken per input, and per
    # metric the largest distance between two of them (see compare.spread_between). Optional, so
    # schema 1 still reads: a deterministic target's golden has neither.
    spread: dict[str, float] = field(default_factory=dict)
    samples: int = 1
    # Provenance of a golden written by `goldens approve` (the run, when, the reason, the tool);
    # empty for a recorded one. Optional, so earlier documents still read.
    approved: dict[str, str] = field(default_factory=dict)
    # Tolerance by region (goldens/regions.py): rectangles the metrics do not see, each with its own
    # threshold on the mean colour. Optional, so earlier documents still read.
    regions: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> str:
        data = asdict(self)
        # Defaults are left out, so a deterministic target's golden is written as it always was.
        if not data["spread"]:
            data.pop("spread")
        if data["samples"] == 1:
            data.pop("samples")
        if not data["approved"]:
            data.pop("approved")
        if not data["regions"]:
            data.pop("regions")
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

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
        for key in ("recorded_at", "recorded_from", "approved"):
            data.pop(key)
        return data


def sha256_hex(data: bytes) -> str:
    """How a golden names the bytes of an input or an answer."""
    return hashlib.sha256(data).hexdigest()


def golden_from(key: GoldenKey, input_bytes: bytes, result: UpscaleResult, sig: pc.Signature,
                source: dict[str, str], spread: dict[str, float] | None = None, samples: int = 1,
                regions: list[dict[str, Any]] | None = None) -> tuple[Golden, dict[str, bytes]]:
    """The golden of one answer (``result``, signature ``sig``) and the three small PNGs kept beside it, by
    file name: what a recording stores and what a check keeps as a candidate. ``spread`` and ``samples``
    describe the further answers to the same request, if the target varies."""
    pictures = {key.thumb_name: pc.png_bytes(sig.thumb), key.detail_name: pc.png_bytes(sig.detail),
                key.flat_name: pc.png_bytes(sig.flat)}
    return Golden(
        input=key.input_name,
        input_sha256=sha256_hex(input_bytes),
        target=key.target,
        profile=key.profile,
        mode=key.combo.mode,
        model_version=key.combo.model_version,
        output={"width": sig.width, "height": sig.height, "content_type": result.content_type,
                "format": result.format, "sha256": sha256_hex(result.content), "bytes": len(result.content)},
        hashes=sig.hashes.as_dict(),
        thumbnail=key.thumb_name,
        patches={"detail": {"file": key.detail_name, "box": list(sig.detail_box)},
                 "flat": {"file": key.flat_name, "box": list(sig.flat_box)}},
        bands={k: float(f"{v:.6g}") for k, v in sig.bands.items()},
        recorded_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        recorded_from=source,
        spread={k: float(f"{v:.6g}") for k, v in (spread or {}).items()},
        samples=samples,
        regions=list(regions or []),
    ), pictures
