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
"""

from __future__ import annotations

import copy
import io
import os
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import requests
import schemathesis
from hypothesis import strategies as st
from PIL import Image
from schemathesis import checks as st_checks
from schemathesis.core.failures import Failure
from schemathesis.core.transport import Response
from schemathesis.generation.meta import CoveragePhaseData
from schemathesis.specs.openapi import checks as oas_checks

from .. import orientation
from ..checks import SCALE
from ..client import UpscaleClient, UpscaleResult
from ..client.guard import header_size
from ..contract import MODEL_HEADER, MODES, ORDINARY_MAX_ASPECT, Limit, Profile, load_openapi
from ..strategies import ImageCase, modes_for
from ..verdicts import Violation

PROBES_ENV = "UPSCALE_SCHEMA_PROBES"
OPERATION = ("/v2/edit", "post")
# What a generated input may cost: the reference server answers a 256x256 input in well under a
# second in any mode; the vendor bills per call, not per pixel. Limits are the limits suite's job.
MIN_SIDE = 8
MAX_SIDE = 512
MAX_PIXELS = 256 * 256
TYPICAL = (120, 90)  # where shrinking ends: an ordinary landscape picture
MAX_ASPECT = ORDINARY_MAX_ASPECT  # wider than 4:1 is an "extreme aspect ratio", which the contract leaves unknown
# Examples per run, at most (the Hypothesis profile chosen by the plugin may ask for fewer).
MAX_POSITIVE_EXAMPLES = 10
MAX_NEGATIVE_EXAMPLES = 6
# Probes sent in economy (suites/test_schema.py): enough to reach SCHEMA-CONFORMS and HTTP-HYGIENE.
ECONOMY_PROBES = {"method": 2, "body": 2}
# Part content type -> Pillow format, as declared by the document's `encoding.imageFile.contentType`.
PART_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


# --- which runs, which checks ---------------------------------------------------------------------


def probes_enabled(wanted: bool, environ: dict[str, str] | None = None) -> bool:
    """Negative and method probes: on where ``wanted`` (a local target, or economy, which caps them), else
    opt-in with ``UPSCALE_SCHEMA_PROBES=1``; ``UPSCALE_SCHEMA_PROBES=0`` turns them off everywhere."""
    from .options import switch

    return switch((environ if environ is not None else os.environ).get(PROBES_ENV), wanted)


def _builtin(name: str) -> Callable:
    st_checks.load_all_checks()
    return getattr(oas_checks, name, None) or getattr(st_checks, name)


RESPONSE_CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
                   "response_schema_conformance", "response_headers_conformance")
POSITIVE_CHECKS = (*RESPONSE_CHECKS, "positive_data_acceptance")
PROBE_CHECKS = (*RESPONSE_CHECKS, "negative_data_rejection", "unsupported_method")
# Checks no sentence of the seed or CONTRACT-NOTES justifies (docs/must-audit.md): what they find is
# recorded under HTTP-HYGIENE, never failed. `unsupported_method` wants 405, but RFC 9110 allows 501
# for a method a server does not implement, and the vendor's document declares GET /v2/edit;
# `status_code_conformance` flags any status the document does not list (a 415, a gateway's 404),
# where the contract only promises 400 for bad requests (checked by `negative_data_rejection`).
HYGIENE_CHECKS = ("unsupported_method", "status_code_conformance")
DECLARED_METHOD = OPERATION[1].upper()


def check_functions(names: Iterable[str], *, four_x: bool = True) -> list[Callable]:
    """The Schemathesis check functions by name, plus :func:`exactly_4x`."""
    out = [_builtin(n) for n in names]
    return [*out, exactly_4x] if four_x else out


@dataclass(frozen=True)
class Plan:
    """One Schemathesis run: which phases, which generation mode, how many examples."""

    name: str
    phases: tuple[str, ...]
    mode: str  # "positive" | "negative"
    max_examples: int
    checks: tuple[str, ...]


def positive_plan(profile_examples: int) -> Plan:
    return Plan("positive", ("fuzzing",), "positive", max(1, min(profile_examples, MAX_POSITIVE_EXAMPLES)),
                POSITIVE_CHECKS)


def probe_plan(profile_examples: int) -> Plan:
    return Plan("probes", ("coverage", "fuzzing"), "negative",
                max(1, min(profile_examples, MAX_NEGATIVE_EXAMPLES)), PROBE_CHECKS)


def schemathesis_config(plan: Plan, base_url: str, profile: Profile):
    """A :class:`schemathesis.Config` for ``plan`` (validated by Schemathesis's own config schema)."""
    phases = {name: {"enabled": name in plan.phases} for name in ("examples", "coverage", "fuzzing", "stateful")}
    if "coverage" in plan.phases:
        # Negative scenarios and undeclared methods only: see the module docstring.
        phases["coverage"]["generation"] = {"mode": "negative"}
    rejected = sorted({str(s) for key in ("bad_request", "unknown_mode", "too_large_upload", "over_limit")
                       for s in profile.status(key)} | {"405", "415"})
    data = {
        "base-url": str(base_url),
        "phases": phases,
        "generation": {
            "mode": plan.mode,
            "max-examples": plan.max_examples,
            # The key comes from the run (x-api-key), never from generation.
            "with-security-parameters": False,
            "allow-x00": False,
            "allow-extra-parameters": False,
        },
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ["200"]},
            "negative_data_rejection": {"expected-statuses": rejected},
        },
    }
    return schemathesis.Config.from_dict(data)


# --- the document, adapted to the profile -----------------------------------------------------------


def _operation(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"][OPERATION[0]][OPERATION[1]]


def _form_schema(doc: dict[str, Any]) -> dict[str, Any]:
    return _operation(doc)["requestBody"]["content"]["multipart/form-data"]["schema"]


def positive_document(profile: Profile, document: dict[str, Any] | None = None) -> dict[str, Any]:
    """The OpenAPI document as positive generation must read it for this profile.

    - ``removeBackground=false`` and ``referenceBox=originalImage`` are always sent: a pure upscale,
      as in the vendor's examples (the vendor's ``removeBackground`` defaults to true);
    - no fields beyond the document's (``additionalProperties: false``): the vendor lists unknown
      fields in ``pr-unsupported-attributes``, "soon to be replaced by a 400";
    - ``export.format`` only among the profile's formats.
    """
    doc = copy.deepcopy(document if document is not None else load_openapi())
    form = _form_schema(doc)
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
    op = _operation(doc)
    op["parameters"] = [p for p in op.get("parameters", []) if p.get("name") != MODEL_HEADER]
    form = _form_schema(doc)
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


# --- imageFile: real pictures within the limit --------------------------------------------------------


def _fits_everywhere(limits: Iterable[Limit], w: int, h: int) -> bool:
    # Both ways round: whether limits apply to the stored or the oriented size is an unknown (LIMIT-ORIENTED).
    return all(lim.accepts(w, h) and lim.accepts(h, w) for lim in limits)


def tallest(limits: Iterable[Limit], width: int) -> int:
    """The tallest height for ``width`` within the cost caps, the aspect cap and every limit (0: none)."""
    limits = tuple(limits)
    lo, hi = MIN_SIDE, min(MAX_SIDE, MAX_PIXELS // width, width * MAX_ASPECT)
    if hi < lo or not _fits_everywhere(limits, width, lo):
        return 0
    while lo < hi:  # acceptance only shrinks as the height grows: bisect for the last accepted height
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if _fits_everywhere(limits, width, mid) else (lo, mid - 1)
    return lo


def widest(limits: Iterable[Limit]) -> int:
    """The widest width that has any accepted height (0: no input fits)."""
    limits = tuple(limits)
    if not tallest(limits, MIN_SIDE):
        return 0
    lo, hi = MIN_SIDE, MAX_SIDE
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if tallest(limits, mid) else (lo, mid - 1)
    return lo


def size_from_index(limits: tuple[Limit, ...], index: int) -> tuple[int, int]:
    """The input size numbered ``index``: 0 is an ordinary landscape picture (where shrinking ends),
    any other number a pseudo-random size of any shape up to 4:1 that every limit accepts.

    Sizes are drawn through a number, not as two integers, because Hypothesis favours the bounds
    of an integer range: drawn directly, a third of the widths were the smallest one.
    """
    top = widest(limits)
    if not top:
        raise ValueError(f"no input of at least {MIN_SIDE}x{MIN_SIDE} fits the profile's limits")
    rng = random.Random(index)
    width = min(TYPICAL[0], top) if index == 0 else rng.randint(MIN_SIDE, top)
    high = tallest(limits, width)
    low = min(high, max(MIN_SIDE, -(-width // MAX_ASPECT)))
    height = min(max(width * TYPICAL[1] // TYPICAL[0], low), high) if index == 0 else rng.randint(low, high)
    return width, height


@st.composite
def image_cases_within(draw, limits: tuple[Limit, ...], fmt: str) -> ImageCase:
    """An :class:`ImageCase` in ``fmt`` that every limit accepts, of any shape up to 4:1, in any EXIF
    orientation and any colour mode the format can hold."""
    width, height = size_from_index(limits, draw(st.integers(0, 2**24)))
    return ImageCase(
        width=width,
        height=height,
        seed=draw(st.integers(0, 2**20)),
        mode=draw(st.sampled_from(modes_for(fmt))),
        fmt=fmt,
        orientation=draw(st.integers(1, 8)),
    )


def image_files(profile: Profile, fmt: str) -> st.SearchStrategy[bytes]:
    """Encoded images for ``imageFile`` in ``fmt``, accepted by every mode of ``profile``."""
    limits = tuple(profile.limit(m) for m in MODES)
    return image_cases_within(limits, fmt).map(lambda case: case.encode())


def register_image_media_types(profile: Profile) -> None:
    """Give each part content type of ``imageFile`` its image strategy (replacing the 1x1 sample file).

    Schemathesis keeps these in a process-wide registry; registering again replaces them, so the
    last profile registered wins (one profile per pytest session).
    """
    for content_type, fmt in PART_FORMATS.items():
        schemathesis.openapi.media_type(content_type, image_files(profile, fmt))


# --- the custom check: a 200 is exactly 4x the oriented input ---------------------------------------


class NotFourTimes(Failure):
    """A 200 whose image is not exactly 4x the EXIF-oriented input."""

    code = "ST901"
    kind_title = "Output is not exactly 4x the input"

    def __init__(self, *, operation: str, message: str, input_size, output_size, expected) -> None:
        super().__init__(operation=operation, message=message)
        self.input_size, self.output_size, self.expected = input_size, output_size, expected


def sent_image(case) -> bytes | None:
    body = case.body
    data = body.get("imageFile") if isinstance(body, dict) else None
    return bytes(data) if isinstance(data, (bytes, bytearray)) else None


def oriented_size(data: bytes) -> tuple[int, int] | None:
    """Width and height as a viewer shows them (EXIF orientation applied); None if not an image."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return orientation.shown_size(im.size, orientation.read(im))
    except Exception:
        return None


def describe_input(data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as im:
            tag = orientation.read(im)
            extra = f", EXIF {tag}" if tag != 1 else ""
            return f"{im.width}x{im.height} stored, {im.mode} {im.format}{extra}"
    except Exception:
        return f"{len(data)} bytes, not an image"


def output_size(content: bytes) -> tuple[int, int] | None:
    return header_size(content)  # from the header only: a giant claimed size is never allocated


def exactly_4x(ctx, response, case) -> bool | None:
    """Schemathesis check: a 200 answer to a decodable input is exactly 4x its oriented size."""
    if response.status_code != 200:
        return None
    data = sent_image(case)
    size = oriented_size(data) if data is not None else None
    if size is None:
        return None  # nothing decodable was sent; whether a 200 was right is negative_data_rejection's call
    want = (size[0] * SCALE, size[1] * SCALE)
    got = output_size(response.content)
    if got == want:
        return None
    shown = "no readable image" if got is None else f"{got[0]}x{got[1]}"
    raise NotFourTimes(operation=case.operation.label,
                       message=f"input {size[0]}x{size[1]} ({describe_input(data)}) gave {shown}, "
                               f"expected {want[0]}x{want[1]}",
                       input_size=size, output_size=got, expected=want)


# --- shaping a generated case before it is sent ------------------------------------------------------


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


# --- from Schemathesis failures to violations ------------------------------------------------------


def check_name(failure) -> str:
    checks = getattr(type(failure), "checks", ())
    if checks:
        return checks[0]
    title = getattr(failure, "title", "")
    if "`" in title:  # "Custom check failed: `name`"
        return title.split("`")[1]
    return type(failure).__name__


def is_hygiene(failure, method: str) -> bool:
    """A failure the contract does not back: a hygiene check, or any check on an undeclared method
    (whatever a server answers to TRACE or QUERY, the contract promised nothing about it)."""
    return method.upper() != DECLARED_METHOD or check_name(failure) in HYGIENE_CHECKS


def split_failures(failures: Iterable, method: str) -> tuple[list, list[str]]:
    """(failures that break a must clause, one-line notes of the hygiene ones)."""
    must, notes = [], []
    for f in failures:
        if is_hygiene(f, method):
            notes.append(f"{check_name(f)}: " + " ".join(f"{f.title}: {f.message}".split())[:300])
        else:
            must.append(f)
    return must, notes


def violations_from(failures: Iterable, request: str) -> list[Violation]:
    """One :class:`Violation` per Schemathesis failure: 4x failures break DIM-4X, the rest SCHEMA-CONFORMS."""
    out = []
    for f in failures:
        if isinstance(f, NotFourTimes):
            out.append(Violation("size_not_4x", "DIM-4X", f.message,
                                 {"request": request, "input_size": f.input_size, "output_size": f.output_size,
                                  "expected": f.expected, "source": "schemathesis"}))
            continue
        name = check_name(f)
        message = " ".join(f"{f.title}: {f.message}".split())
        out.append(Violation(f"schemathesis_{name}", "SCHEMA-CONFORMS", message[:600],
                             {"request": request, "check": name, "failure": type(f).__name__,
                              "schemathesis_code": getattr(f, "code", "")}))
    return out


def describe_case(case) -> str:
    """A one-line, key-free description of what a case sends."""
    body = case.body
    if isinstance(body, dict):
        parts = [f"{k}={v!r}"[:60] for k, v in body.items() if k != "imageFile"]
        image = sent_image(case)
        if image is not None:
            parts.insert(0, f"imageFile {describe_input(image)}")
        else:
            parts.insert(0, f"imageFile={body['imageFile']!r}"[:60] if "imageFile" in body else "no imageFile")
    else:
        parts = ["no body" if type(body).__name__ == "NotSet" else f"body {type(body).__name__}"]
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "x-api-key"}
    if headers:
        parts.append(f"headers {headers}"[:120])
    return f"{case.method.upper()} {case.formatted_path} ({'; '.join(parts)})"


# --- sending: Schemathesis serializes, the run's client sends ------------------------------------


class NoSending(requests.Session):
    """Handed to Schemathesis's checks as their transport: none of the checks this suite runs sends a
    request of its own, and one that tried would go around the run's client (budget, bounds, health)."""

    def send(self, request, **kwargs):
        raise RuntimeError("a Schemathesis check tried to send a request of its own; every request of a run "
                           "goes through the run's client")


def send_case(case, client: UpscaleClient) -> tuple[UpscaleResult, Response]:
    """Send a generated case through the run's client: Schemathesis turns the case into the exact bytes
    (its own serializers, the ones its requests transport uses), the client sends them like any request
    of the run (budget, retries, bounded reading, the target's health, the key), and the answer comes
    back as Schemathesis's own :class:`Response` for its checks."""
    kwargs = case.as_transport_kwargs(base_url=client.base_url)
    kwargs.pop("cookies", None)  # the document declares none
    prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in _REQUEST_FIELDS}).prepare()
    headers = {k: v for k, v in prepared.headers.items() if k.lower() != "x-api-key"}
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    result = client.send_raw(prepared.method, prepared.url, headers, body, describe_case(case))
    response = Response(status_code=result.status, headers={k: [v] for k, v in result.headers.items()},
                        content=result.content, request=prepared, elapsed=result.elapsed, verify=True,
                        message=HTTPStatus(result.status).phrase if result.status in _KNOWN_STATUSES else "")
    return result, response


_REQUEST_FIELDS = ("method", "url", "headers", "files", "data", "json", "params")
_KNOWN_STATUSES = {s.value for s in HTTPStatus}
