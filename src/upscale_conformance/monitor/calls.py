"""Every call monitor makes goes through :class:`Prober`, which keeps a log of what was sent and what
came back (never the key: the request is described by its form fields and image size only).

The log is the record's ``calls`` list; costs are counted by the client's shared ``Budget``
(``spent``: every attempt, retries included; ``billable``: answers 200, what the vendor charges).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..client import UpscaleClient, UpscaleRequest, UpscaleResult


def body_shape(result: UpscaleResult) -> str:
    """The structure of an error body with the values left out, so wording changes are not drift.

    >>> r = UpscaleResult(400, {"content-type": "application/json"}, b'{"error": {"message": "too big"}}', 0.0)
    >>> body_shape(r)
    '{"error": {"message": "string"}}'
    >>> body_shape(UpscaleResult(502, {"content-type": "text/html"}, b"<html>", 0.0))
    'not JSON (text/html)'
    """
    try:
        data = json.loads(result.content)
    except ValueError:
        return f"not JSON ({result.content_type or 'no content type'})"
    return json.dumps(_shape(data), sort_keys=True)


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else "string"


@dataclass
class Prober:
    """Sends requests to the target, logging each with its purpose; ``progress`` hears of each."""

    client: UpscaleClient
    progress: Callable[[str], None] = lambda text: None
    calls: list[dict[str, Any]] = field(default_factory=list)

    def send(self, purpose: str, image: bytes, size: tuple[int, int], mode: str, model: str | None = None,
             export_format: str | None = None) -> UpscaleResult:
        label = f"{purpose}: {size[0]}x{size[1]} {mode}" + (f" {model}" if model else "") + \
            (f" as {export_format}" if export_format else "")
        self.progress(label)
        request = UpscaleRequest(image=image, mode=mode, model_version=model, export_format=export_format)
        result = self.client.send(request)
        entry = {
            "purpose": purpose,
            "mode": mode,
            "model_version": model,
            "export_format": export_format,
            "input": {"width": size[0], "height": size[1], "bytes": len(image)},
            "request": result.request or request.describe(),
            "status": result.status,
            "content_type": result.content_type,
            "bytes": len(result.content),
            "elapsed_s": round(result.elapsed, 4),
            "attempts": result.attempts,
            "billable": result.billable,
        }
        if result.status == 200:
            entry["output_size"] = list(result.size) if result.size else None
        else:
            entry["body_shape"] = body_shape(result)
            # An error message might echo what was sent; the key never goes into the record.
            entry["body"] = self.client.api_key.scrub(result.content[:300].decode("utf-8", "replace"))
        self.calls.append(entry)
        return result

    def count(self, purpose_prefix: str) -> tuple[int, int]:
        """Calls and billable calls whose purpose starts with ``purpose_prefix``."""
        mine = [c for c in self.calls if c["purpose"].startswith(purpose_prefix)]
        return sum(c["attempts"] for c in mine), sum(1 for c in mine if c["billable"])
