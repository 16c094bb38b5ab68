"""Shaping a generated case before it is sent."""

from __future__ import annotations

from schemathesis.generation.meta import CoveragePhaseData

from ...contract import MODEL_HEADER, MODES, Profile


def prepare_positive(case, profile: Profile) -> None:
    """Keep the model-version header only where it selects a model (its effect elsewhere is unknown)."""
    headers = case.headers
    body = case.body
    mode = body.get("upscale.mode") if isinstance(body, dict) else None
    if headers and MODEL_HEADER in headers and mode not in profile.switching_modes:
        del headers[MODEL_HEADER]


def prepare_probe(case) -> None:
    """Make a probe differ from a valid request in the probed thing only.

    For the probes that are not about the body (undeclared methods, content types), Schemathesis's
    coverage phase fills the required multipart fields with ``""`` (so ``upscale.mode=""``), which
    the server rightly refuses for the wrong reason; such a field gets a valid value here. Probes of
    the body itself are left alone (``""`` may be the probe). ``removeBackground=false`` is always
    sent (a pure upscale).
    """
    body = case.body
    if not isinstance(body, dict):
        return
    body.setdefault("removeBackground", "false")
    data = case.meta.phase.data if case.meta is not None else None
    if not isinstance(data, CoveragePhaseData) or data.parameter_location == "body":
        return
    if body.get("upscale.mode") == "":
        body["upscale.mode"] = MODES[0]
