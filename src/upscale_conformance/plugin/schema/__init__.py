"""Schemathesis configuration for the schema suite (``suites/test_schema.py``).

The suite runs Schemathesis over ``contracts/upscale.openapi.yaml`` in two runs:

``positive`` (always on)
    Fuzzing phase, positive data only. ``imageFile`` gets real content images (see
    :func:`image_files`), each within the active profile's limit for *every* mode and of many sizes,
    colour modes, formats and EXIF orientations. Checks: :data:`POSITIVE_CHECKS` (Schemathesis's
    response checks, ``positive_data_acceptance`` tightened to "200 only") and :func:`exactly_4x`.

``probes`` (on everywhere, a few of each kind in economy; ``UPSCALE_SCHEMA_PROBES=0`` turns them off)
    Coverage phase restricted to negative scenarios (missing or mistyped fields, unsupported
    content types, undeclared HTTP methods) plus negative fuzzing. Checks: :data:`PROBE_CHECKS`.
    A probe is refused if the target keeps the contract, and refused calls cost nothing on the
    vendor; a target that accepts one is billed for it, hence the cap in economy.

What is left out, and why (all measured with Schemathesis 4.32.5 against a correct server):

* the positive coverage phase: with a media-type strategy on ``imageFile`` it sends ``""`` for the
  other required multipart fields (so ``upscale.mode=""``), a request that is not valid at all;
* the examples phase: the document has no examples;
* the stateful phase and ``use_after_free``/``ensure_resource_availability``: no resources;
* ``ignored_auth`` and ``missing_required_header``: the errors suite owns AUTH-REQUIRED;
* over-limit sizes: Schemathesis would call them positive data (the pixel limit is not in the
  document: it varies by profile), so their correct 400 would be flagged; the limits suite owns them.

The document is adapted to the active profile before loading (:func:`positive_document`,
:func:`probe_document`), so that "positive" means what the contract promises to accept.

One module a job: ``plans`` (which runs, which checks, the configuration), ``document`` (the document
adapted to the profile), ``images`` (``imageFile``), ``four_x`` (the custom check), ``prepare`` (shaping a
case before it is sent), ``failures`` (Schemathesis's failures as violations) and ``transport`` (the
run's client sends what Schemathesis serialized).
"""

from __future__ import annotations

from .document import form_schema, load_schema, operation, positive_document, probe_document
from .failures import case_asked, check_name, describe_case, is_hygiene, split_failures, violations_from
from .four_x import NotFourTimes, describe_input, exactly_4x, oriented_size, output_size, sent_image
from .images import (
    MAX_ASPECT,
    MAX_PIXELS,
    MAX_SIDE,
    MIN_SIDE,
    PART_FORMATS,
    TYPICAL,
    image_cases_within,
    image_files,
    register_image_media_types,
    size_from_index,
    tallest,
    widest,
)
from .plans import (
    DECLARED_METHOD,
    ECONOMY_PROBES,
    HYGIENE_CHECKS,
    MAX_NEGATIVE_EXAMPLES,
    MAX_POSITIVE_EXAMPLES,
    OPERATION,
    POSITIVE_CHECKS,
    PROBE_CHECKS,
    PROBES_ENV,
    RESPONSE_CHECKS,
    Plan,
    check_functions,
    positive_plan,
    probe_plan,
    probes_enabled,
    schemathesis_config,
)
from .prepare import prepare_positive, prepare_probe
from .transport import NoSending, as_sent, send_case

__all__ = [
    "DECLARED_METHOD", "ECONOMY_PROBES", "HYGIENE_CHECKS", "MAX_ASPECT", "MAX_NEGATIVE_EXAMPLES", "MAX_PIXELS",
    "MAX_POSITIVE_EXAMPLES", "MAX_SIDE", "MIN_SIDE", "OPERATION", "PART_FORMATS", "POSITIVE_CHECKS", "PROBES_ENV",
    "PROBE_CHECKS", "RESPONSE_CHECKS", "TYPICAL", "NoSending", "NotFourTimes", "Plan", "as_sent", "case_asked",
    "check_functions", "check_name",
    "describe_case", "describe_input", "exactly_4x", "form_schema", "image_cases_within", "image_files", "is_hygiene",
    "load_schema", "operation", "oriented_size", "output_size", "positive_document", "positive_plan",
    "prepare_positive", "prepare_probe", "probe_document", "probe_plan", "probes_enabled",
    "register_image_media_types", "schemathesis_config", "send_case", "sent_image", "size_from_index", "split_failures",
    "tallest", "violations_from", "widest",
]
