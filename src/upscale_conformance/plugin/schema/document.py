"""The OpenAPI document adapted to the profile, so that "positive" means what the contract promises to
accept and a probe is wrong in the probed thing only; loaded as a Schemathesis schema."""

from __future__ import annotations

import copy
from typing import Any

import schemathesis

from ...contract import MODEL_HEADER, Profile, load_openapi
from .images import register_image_media_types
from .plans import OPERATION, Plan, schemathesis_config


def operation(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"][OPERATION[0]][OPERATION[1]]


def form_schema(doc: dict[str, Any]) -> dict[str, Any]:
    return operation(doc)["requestBody"]["content"]["multipart/form-data"]["schema"]


def positive_document(profile: Profile, document: dict[str, Any] | None = None) -> dict[str, Any]:
    """The OpenAPI document as positive generation must read it for this profile.

    - ``removeBackground=false`` and ``referenceBox=originalImage`` are always sent: a pure upscale,
      as in the vendor's examples (the vendor's ``removeBackground`` defaults to true);
    - no fields beyond the document's (``additionalProperties: false``): the vendor lists unknown
      fields in ``pr-unsupported-attributes``, "soon to be replaced by a 400";
    - ``export.format`` only among the profile's formats.
    """
    doc = copy.deepcopy(document if document is not None else load_openapi())
    form = form_schema(doc)
    form["required"] = sorted({*form.get("required", []), "removeBackground", "referenceBox"})
    form["additionalProperties"] = False
    fmt = form["properties"].get("export.format")
    if fmt and "enum" in fmt:
        fmt["enum"] = [f for f in fmt["enum"] if f in profile.export_formats]
    return doc


def probe_document(profile: Profile, document: dict[str, Any] | None = None) -> dict[str, Any]:
    """The document as negative generation must read it: only what the contract says is an error.

    Dropped, because the contract does not say a wrong value is refused: the model-version header
    (an unknown version is an observe clause) and ``removeBackground``/``referenceBox`` (any boolean
    is a valid ``removeBackground`` on the vendor). :func:`prepare_probe` still sends
    ``removeBackground=false`` so that a probe differs from a valid request in one thing only.
    Undeclared fields are not probes (the vendor ignores them and names them in
    ``pr-unsupported-attributes``), nor is ``""`` for an optional field.
    """
    doc = copy.deepcopy(document if document is not None else load_openapi())
    op = operation(doc)
    op["parameters"] = [p for p in op.get("parameters", []) if p.get("name") != MODEL_HEADER]
    form = form_schema(doc)
    for name in ("removeBackground", "referenceBox"):
        form["properties"].pop(name, None)
    # Without upscale.mode the vendor's /v2/edit is a plain edit (upscaling is opt-in): no probe.
    form["required"] = [n for n in form.get("required", []) if n != "upscale.mode"]
    # Only the declared fields, so that each probe is wrong in the probed field and nowhere else
    # (with allow-extra-parameters off, Schemathesis does not probe with undeclared fields either:
    # the vendor ignores those and lists them in pr-unsupported-attributes).
    form["additionalProperties"] = False
    fmt = form["properties"].get("export.format")
    if fmt and "enum" in fmt:
        fmt["enum"] = [f for f in fmt["enum"] if f in profile.export_formats]
    # An empty optional field may be read as "not given" (the contract is silent), so "" is no probe.
    for name, prop in form["properties"].items():
        if name not in form.get("required", []) and "enum" in prop:
            prop["enum"] = [*prop["enum"], ""]
    return doc


def load_schema(plan: Plan, base_url: str, profile: Profile):
    """The Schemathesis schema for ``plan``, with the image strategy registered for ``imageFile``."""
    register_image_media_types(profile)
    doc = positive_document(profile) if plan.mode == "positive" else probe_document(profile)
    return schemathesis.openapi.from_dict(doc, config=schemathesis_config(plan, base_url, profile))
