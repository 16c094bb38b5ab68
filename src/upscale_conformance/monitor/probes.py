"""The behavioural probes besides the limit: 4x on fixed shapes, their perceptual signatures, the
model header (its effect against the rerun noise, and the answer to an unknown version), the
accepted export formats, and latency. Each returns plain data for the record.

Fifteen calls in all (:data:`PROBE_CALLS`): nine fixed outputs (three inputs x three
mode-and-model combinations), one rerun, one unknown version, four export formats.
"""

from __future__ import annotations

import hashlib
import statistics
from typing import Any

from .. import perceptual as pc
from ..checks import MODEL_SWITCH_FLOOR, systematic_difference
from ..client import UpscaleResult
from ..contract import NEW_FAST_MODEL, SCALE
from .calls import Prober, body_shape
from .pictures import FIXED_INPUTS, FixedInput
from .signatures import signature_to_dict

COMBOS = (("ai.fast", None), ("ai.fast", NEW_FAST_MODEL), ("ai.slow", None))
EXPORT_FORMATS = ("jpeg", "jpg", "webp", "avif")  # png is the default: every other call checks it
FORMAT_TYPES = {"png": ("image/png", "PNG"), "jpeg": ("image/jpeg", "JPEG"), "jpg": ("image/jpeg", "JPEG"),
                "webp": ("image/webp", "WEBP"), "avif": ("image/avif", "AVIF")}
UNKNOWN_VERSION = "ai-upscale-1999-01-01"
PROBE_CALLS = len(FIXED_INPUTS) * len(COMBOS) + 1 + 1 + len(EXPORT_FORMATS)


def combo_key(mode: str, model: str | None) -> str:
    """``ai.fast``, ``ai.fast+ai-upscale-2025-07-29``: the key of a mode and model in the record."""
    return mode if model is None else f"{mode}+{model}"


def fixed_output(prober: Prober, item: FixedInput, mode: str, model: str | None) -> tuple[dict, UpscaleResult]:
    """One fixed input through one mode and model: status, 4x, signature."""
    result = prober.send(f"fixed {item.name}", item.data, (item.width, item.height), mode, model)
    want = [item.width * SCALE, item.height * SCALE]
    entry: dict[str, Any] = {"input": item.name, "combo": combo_key(mode, model), "status": result.status,
                             "input_size": [item.width, item.height], "expected_size": want,
                             "elapsed_s": round(result.elapsed, 4)}
    if result.status != 200:
        entry["body_shape"] = body_shape(result)
        return entry, result
    entry["output_size"] = list(result.size) if result.size else None
    entry["scale_ok"] = entry["output_size"] == want
    entry["sha256"] = hashlib.sha256(result.content).hexdigest()
    if result.image is not None and entry["scale_ok"]:
        entry["signature"] = signature_to_dict(pc.signature(item.picture(), pc.open_image(result.image)))
    return entry, result


def model_header(prober: Prober, outputs: dict[tuple[str, str], UpscaleResult]) -> dict[str, Any]:
    """Does the header change the ai.fast output systematically, beyond what a rerun of the same
    request varies? Judged as the MODEL-SWITCH suite judges it (checks.systematic_difference)."""
    first = FIXED_INPUTS[0]
    rerun = prober.send("rerun noise", first.data, (first.width, first.height), "ai.fast")
    classic, new = outputs[(first.name, "ai.fast")], outputs[(first.name, combo_key("ai.fast", NEW_FAST_MODEL))]
    found = systematic_difference(classic, rerun, new)
    distance, noise = (None, None) if found is None else (found.rms, found.rerun)
    needed = found.needed() if found is not None else MODEL_SWITCH_FLOOR
    unknown = prober.send("unknown model version", first.data, (first.width, first.height), "ai.fast",
                          UNKNOWN_VERSION)
    return {
        "version": NEW_FAST_MODEL,
        "distance": None if distance is None else round(distance, 4),
        "rerun_noise": None if noise is None else round(noise, 4),
        "needed": round(needed, 4),
        "switches": None if found is None else found.beats(),
        "unknown_version": {"value": UNKNOWN_VERSION, "status": unknown.status,
                            "body_shape": None if unknown.status == 200 else body_shape(unknown)},
    }


def export_formats(prober: Prober) -> dict[str, dict[str, Any]]:
    """Each export.format on the smallest fixed input: accepted, and labelled and encoded as asked."""
    item = FIXED_INPUTS[0]
    out = {}
    for fmt in EXPORT_FORMATS:
        result = prober.send("export format", item.data, (item.width, item.height), "ai.fast", export_format=fmt)
        content_type, pil_format = FORMAT_TYPES[fmt]
        entry: dict[str, Any] = {"status": result.status, "accepted": result.status == 200}
        if result.status == 200:
            entry.update(content_type=result.content_type, format=result.format,
                         ok=result.content_type == content_type and result.format == pil_format)
        else:
            entry["body_shape"] = body_shape(result)
        out[fmt] = entry
    return out


def latency(outputs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Median time per mode and model over the fixed inputs (seconds), answers 200 only."""
    out = {}
    for mode, model in COMBOS:
        key = combo_key(mode, model)
        times = [o["elapsed_s"] for o in outputs if o["combo"] == key and o["status"] == 200]
        if times:
            out[key] = {"median_s": round(statistics.median(times), 4), "samples": len(times)}
    return out
