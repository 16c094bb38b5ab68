"""The catalog: each entry a realistic way to break the contract, or to differ without breaking it.

Every entry names what it breaks *for a user*, its kind, the :class:`Faults` that plants it, the
clauses expected to catch it (only for the report: no check reads this module), and the pytest
``-k`` selection of the suite that is enough to show it, so a whole catalog runs in minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..contract import NEW_FAST_MODEL
from ..server.faults import Faults

KINDS = ("contract", "quality", "tolerated", "transport")
# The fewest entries per kind (issue 12); tests hold the catalog to them.
MINIMUM = {"contract": 28, "quality": 4, "tolerated": 6, "transport": 3}


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str
    description: str
    faults: Faults
    select: str  # pytest -k expression: the part of the suite that must react
    clauses: frozenset[str] = frozenset()  # any of these failing is "caught by a matching clause"
    quick: bool = False  # part of `selfcheck --quick`
    expect: int | None = None  # a transport entry's exact exit code (else 0 or 3: never failed)
    # A double fault (issue 28): killed only when every one of ``clauses`` fails in the one run, so that one
    # fault hiding the other (a clause left unjudged by another's failure) is a survivor, not a kill.
    each: bool = False


def _e(name, kind, description, select, clauses=(), quick=False, expect=None, each=False, **faults) -> Entry:
    return Entry(name, kind, description, Faults(**faults), select, frozenset(clauses), quick, expect, each)


FAITHFUL = "faithful"
LIMITS = "largest_accepted or either_side"
ERRORS = "unknown_mode or key_is_refused or malformed or probes_are_refused"
GOLDEN = "close_to_its_golden"
OUTAGE = f"{LIMITS} or {FAITHFUL}"  # well over 20 requests, so an outage from the 20th on lands mid-run

CATALOG: tuple[Entry, ...] = (
    # --- scale
    _e("scale-off-by-one", "contract", "answers are one pixel wider than 4x", FAITHFUL, ["DIM-4X"], size_offset=1),
    _e("mirrored-sometimes", "contract", "every second answer is mirrored (a flaky server)", FAITHFUL,
       ["FIDELITY-GEOMETRY"], mirror_every=2),
    _e("scale-3x", "contract", "answers are 3x, not 4x", FAITHFUL, ["DIM-4X"], scale=3),
    _e("axes-swapped", "contract", "answers are 4x but with width and height swapped", FAITHFUL, ["DIM-4X"],
       swap_axes=True),
    # --- limits
    _e("no-limit", "contract", "inputs over the mode's limit are upscaled anyway", LIMITS,
       ["LIMIT-FAST-EDGE", "LIMIT-SLOW-EDGE"], no_limit=True),
    _e("limit-axis-off-by-one", "contract", "one pixel more per axis than the limit is accepted", LIMITS,
       ["LIMIT-FAST-EDGE", "LIMIT-SLOW-EDGE"], limit_offset=1),
    _e("budget-off-by-one", "contract", "an input of exactly the pixel budget is refused", LIMITS,
       ["LIMIT-FAST-MAX", "LIMIT-SLOW-MAX"], budget_offset=-1),
    _e("per-axis-limit", "contract", "the pixel budget is enforced as a square per axis: wide inputs refused",
       LIMITS, ["LIMIT-FAST-MAX", "LIMIT-SLOW-MAX"], per_axis_limit=True),
    _e("slow-budget-wrong", "contract", "ai.slow accepts half again its documented budget", LIMITS,
       ["LIMIT-SLOW-EDGE"], slow_limit_factor=1.5),
    _e("slow-uses-fast-limit", "contract", "ai.slow accepts inputs up to the ai.fast limit", LIMITS,
       ["LIMIT-SLOW-EDGE"], slow_uses_fast_limit=True),
    # --- errors
    _e("over-limit-500", "contract", "an input past the limit gets a 500 instead of the documented 4xx",
       "largest_accepted", ["LIMIT-FAST-EDGE", "LIMIT-SLOW-EDGE", "ERR-NO-5XX"], over_limit_status=500),
    # A 503 looks like an outage, but here the target answers a known-good request around it: a finding.
    _e("over-limit-503", "contract", "an input past the limit gets a 503, while valid inputs get 200",
       "largest_accepted", ["LIMIT-FAST-EDGE", "LIMIT-SLOW-EDGE", "ERR-NO-5XX"], over_limit_status=503),
    _e("error-body-flat", "contract", "error answers lack the documented {error: {message}} body", ERRORS,
       ["ERR-BODY", "SCHEMA-CONFORMS"], flat_error_body=True),
    _e("silent-downscale", "contract", "past the limit: 200 with a silently downscaled image, not an error",
       "largest_accepted or downscale_never", ["LIMIT-FAST-EDGE", "LIMIT-SLOW-EDGE", "DOWNSCALE-NEVER"],
       silent_downscale=True),
    _e("unknown-mode-accepted", "contract", "a misspelt upscale.mode is served instead of refused",
       "unknown_mode", ["MODE-UNKNOWN"], accept_unknown_mode=True),
    # --- model header
    _e("model-header-ignored", "contract", "the model header selects nothing: always the classic model",
       "switches", ["MODEL-SWITCH"], ignore_model_header=True),
    _e("model-header-refused", "contract", "any model header is refused, the documented one too", "switches",
       ["MODEL-SWITCH"], refuse_model_header=True),
    _e("slow-header-500", "contract", "ai.slow with the model header crashes (500)", "slow_mode_is_recorded",
       ["ERR-NO-5XX", "MODEL-SLOW-HEADER"], slow_header_status=500),
    # --- pixels and geometry
    _e("exif-ignored", "contract", "a phone photo comes back sideways: the EXIF orientation is ignored",
       "exif", ["DIM-EXIF"], ignore_exif=True),
    _e("alpha-dropped", "contract", "transparent inputs come back opaque", "transparency", ["ALPHA-KEPT"],
       drop_alpha=True),
    _e("channels-swapped", "contract", "red and blue are swapped", FAITHFUL, ["FIDELITY-COLOUR"],
       channel_swap=True),
    _e("mirrored", "contract", "answers are mirrored left to right", FAITHFUL, ["FIDELITY-GEOMETRY"], quick=True,
       mirror=True),
    _e("shifted", "contract", "content is shifted by a few pixels", FAITHFUL, ["FIDELITY-GEOMETRY"], shift=8),
    _e("grayscale", "contract", "colour inputs come back grey", FAITHFUL, ["FIDELITY-COLOUR"], grayscale=True),
    _e("brightened", "contract", "answers are visibly brighter than the input", FAITHFUL, ["FIDELITY-COLOUR"],
       colour_cast=(24, 24, 24)),
    # --- two faults at once: every clause judged on every answer, so neither hides the other (each must fail)
    _e("mirrored-one-pixel-wider", "contract", "answers are mirrored and one pixel wider than 4x", FAITHFUL,
       ["DIM-4X", "FIDELITY-GEOMETRY"], quick=True, each=True, mirror=True, size_offset=1),
    _e("grey-one-pixel-wider", "contract", "colour inputs come back grey and one pixel wider than 4x", FAITHFUL,
       ["DIM-4X", "FIDELITY-COLOUR"], each=True, grayscale=True, size_offset=1),
    _e("opaque-one-pixel-wider", "contract", "transparent inputs come back opaque and one pixel wider than 4x",
       "transparency", ["ALPHA-KEPT", "DIM-4X"], each=True, drop_alpha=True, size_offset=1),
    _e("mirrored-mislabelled", "contract", "answers are mirrored and labelled application/octet-stream",
       "each_export_format", ["FMT-EXPORT", "FIDELITY-GEOMETRY"], each=True, mirror=True,
       content_type="application/octet-stream"),
    # --- formats and bytes
    _e("wrong-content-type", "contract", "images are labelled application/octet-stream",
       "default_output_is_png or each_export_format", ["FMT-PNG-DEFAULT", "FMT-EXPORT", "SCHEMA-CONFORMS"],
       content_type="application/octet-stream"),
    _e("export-format-ignored", "contract", "export.format is ignored: always PNG", "each_export_format",
       ["FMT-EXPORT"], ignore_export_format=True),
    _e("truncated-output", "contract", "the image bytes are cut in half", "faithful or default_output_is_png",
       ["OUT-DECODES", "DIM-4X"], truncate_output=True),
    _e("jpeg-low-quality", "contract", "JPEG answers are written at quality 5, far below the documented one",
       "each_export_format", ["FMT-EXPORT", "FIDELITY-COLOUR"], jpeg_export_quality=5),
    _e("crash-on-cmyk", "contract", "CMYK inputs crash the server (500)", "colour_mode",
       ["ERR-NO-5XX", "INPUT-MODES"], crash_on_mode="CMYK"),
    _e("crash-on-webp", "contract", "WebP inputs crash the server (500)", "each_input_format or colour_mode",
       ["ERR-NO-5XX", "INPUT-FORMATS"], crash_on_format="WEBP"),
    _e("undecodable-500", "contract", "an upload that is not an image gets a 500, not a 4xx", ERRORS,
       ["ERR-NO-5XX"], undecodable_status=500),
    # --- hostile input (ROB-*): the quick battery, narrowed to the requests that meet the fault
    _e("bomb-500", "contract", "a decompression bomb (a PNG header claiming 100000x100000) crashes the server (500)",
       "robustness and bomb", ["ROB-NO-5XX"], bomb_status=500),
    _e("two-files-500", "contract", "a request with two imageFile parts crashes the server (500)",
       "robustness and two-imageFile", ["ROB-NO-5XX"], two_files_status=500),
    _e("no-boundary-500", "contract", "a multipart body whose Content-Type has no boundary crashes the server (500)",
       "robustness and no-boundary", ["ROB-NO-5XX"], no_boundary_status=500),
    _e("auth-ignored", "contract", "requests without a valid key are served", "key_is_refused",
       ["AUTH-REQUIRED"], ignore_auth=True),
    _e("downscale-always-ignored", "contract", "downscaleIfNeeded=always is ignored: oversized inputs refused",
       "downscale_always", ["DOWNSCALE-ALWAYS"], ignore_downscale_always=True),
    _e("downscale-always-distorts", "contract", "downscaleIfNeeded=always squeezes the input into a square",
       "downscale_always", ["DOWNSCALE-ALWAYS"], downscale_distorts=True),
    # --- quality: judged against goldens recorded from the clean server
    _e("blurred", "quality", "answers are soft, as from a weaker model", GOLDEN, ["PERCEPTUAL-REGRESSION"],
       quick=True, blur=1.5),
    _e("noisy", "quality", "answers carry visible noise", GOLDEN, ["PERCEPTUAL-REGRESSION"], noise=8.0),
    _e("retrained-fast-model", "quality", "the new ai.fast model's answers are sharpened (a retrained model)",
       GOLDEN, ["PERCEPTUAL-REGRESSION"], retrained_model=NEW_FAST_MODEL),
    _e("blurred-slow-only", "quality", "only ai.slow answers are soft", GOLDEN, ["PERCEPTUAL-REGRESSION"],
       blur=1.5, blur_mode="ai.slow"),
    _e("jpeg-artefacts", "quality", "answers carry heavy JPEG block artefacts", GOLDEN, ["PERCEPTUAL-REGRESSION"],
       jpeg_quality_collapse=True),
    _e("wrong-model", "quality", "the model header serves another model than the one it names", GOLDEN,
       ["PERCEPTUAL-REGRESSION"], wrong_model=True),
    # --- tolerated: the contract allows these; they must pass
    _e("undeclared-404", "tolerated", "methods other than POST on /v2/edit answer 404", "probes_are_refused",
       quick=True, undeclared_method_status=404),
    _e("undeclared-501", "tolerated", "methods other than POST on /v2/edit answer 501", "probes_are_refused",
       undeclared_method_status=501),
    _e("error-extra-fields", "tolerated", "error bodies carry extra fields (code, request id)", ERRORS,
       error_extra_fields=True),
    _e("json-charset", "tolerated", "JSON answers say charset=utf-8", ERRORS, json_charset=True),
    _e("extra-headers", "tolerated", "answers carry extra headers (request id, server timing)",
       "default_output_is_png or " + ERRORS, extra_headers=True),
    _e("unknown-version-fallback", "tolerated", "an unknown model version is served by the default model",
       "unknown_model_version", unknown_version_accepted=True),
    _e("sampling-model", "tolerated", "the model is not bit-for-bit deterministic (+-2 levels)",
       f"{FAITHFUL} or switches or {GOLDEN}", sampling=2.0),
    # --- transport: must end conformant or inconclusive, never failed
    _e("throttle-429", "transport", "every third request is refused 429 with Retry-After",
       "faithful or unknown_mode", quick=True, throttle_every=3),
    _e("unavailable-503", "transport", "every fourth request gets a 503", "faithful or unknown_mode",
       unavailable_every=4),
    _e("slow-answers", "transport", "every answer takes 0.3 s longer", "default_output_is_png", slow_seconds=0.3),
    # --- the wire (issue 28): a dropped connection is asked again, never judged; a trickle ends the run
    _e("drops-1-in-7", "transport", "a balancer drops one connection in seven before any answer",
       f"robustness or {FAITHFUL}", expect=0, drop_every=7),
    _e("trickle-1kbs", "transport", "answers trickle at 1 KB/s: a small answer arrives, a 4x PNG never does",
       "largest_accepted", expect=3, trickle_bytes_per_second=1024),  # the largest answers: each times out
    _e("dies-mid-run", "transport", "the server dies after five requests", "each_export_format or faithful",
       die_after=5),
    # --- outages (issue 19): a permanent one ends inconclusive within the patience, a short one is waited out
    _e("outage-503", "transport", "from the 20th request on, every request is answered 503 with Retry-After: 1",
       OUTAGE, expect=3, outage_after=19),
    _e("gateway-502", "transport", "from the 20th request on, a gateway answers 502 with an HTML page",
       OUTAGE, expect=3, outage_after=19, outage_status=502, outage_html=True),
    _e("outage-recovers", "transport", "from the 20th request on, 503 for 60 s; then the service is back",
       OUTAGE, expect=0, outage_after=19, outage_seconds=60.0),
    _e("refused-mid-run", "transport", "the server stops after 20 requests: every connection is refused",
       OUTAGE, expect=3, die_after=20),
)


def by_name(names: list[str]) -> list[Entry]:
    """The named entries, in catalog order; an unknown name is an error naming the known ones."""
    known = {e.name: e for e in CATALOG}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown catalog entries {', '.join(unknown)}; known: {', '.join(known)}")
    return [e for e in CATALOG if e.name in names]


def quick() -> list[Entry]:
    return [e for e in CATALOG if e.quick]
