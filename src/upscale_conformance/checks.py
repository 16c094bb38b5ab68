"""Checks: small functions that look at one answer and return typed violations.

A check never raises on a bad answer; it returns :class:`Violation` objects carrying a stable
code, the clause ID they break, a message and the evidence. Suites decide what to do with them.

>>> from upscale_conformance.client import UpscaleResult
>>> r = UpscaleResult(500, {"content-type": "application/json"}, b'{"error": {"message": "boom"}}', 0.1)
>>> [v.code for v in check_rejected(r, (400,), "LIMIT-FAST-EDGE")]
['server_error_for_client_mistake', 'wrong_error_status']
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from . import perceptual as pc
from .client import UpscaleResult
from .contract import SCALE, Profile
from .findings import Asked, Measured, Violation
from .verdicts import Recorder

ALPHA_MAX_ERROR = 16.0


def answered(result: UpscaleResult, **measured: Any) -> dict[str, Any]:
    """A violation's typed fields from the answer it was found on, ``Violation(code, clause, message,
    **answered(result, ...))``: what was asked (what the results store fingerprints), what was measured
    (the status, the content type, an error body's start, and ``measured``: the check's own numbers), and
    the request in one line and by hand."""
    body = result.content[:300].decode("utf-8", "replace") if result.status != 200 else ""
    return {"asked": Asked.of(result.asked), "request": result.request, "curl": result.curl,
            "measured": Measured(result.status, result.content_type, body, measured)}


# --- how a check was called: replay (replay/) calls it again on a new answer ---------------------

ANSWER = "the answer"  # the UpscaleResult argument: the new answer on replay
UPLOADED_PICTURE = "the uploaded image, EXIF applied"  # a PIL picture argument: rebuilt from the bundle's upload
REPLAYABLE: dict[str, Callable[..., list[Violation]]] = {}  # replay calls only these, by name
# Replayable checks that judge a missing answer themselves (the answer argument None): for them, a request
# the target, healthy around it, left unanswered on replay is a judged try, not an inconclusive one.
JUDGES_NO_ANSWER: set[str] = set()


def _described(value: Any) -> Any:
    """A check argument as JSON: what replay needs to pass it again (no pixels, no answer bytes)."""
    if isinstance(value, UpscaleResult):
        return ANSWER
    if isinstance(value, Image.Image):
        return UPLOADED_PICTURE
    if isinstance(value, Profile):
        return {"profile": value.id}
    if isinstance(value, tuple | list):
        return [_described(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def replayable(check: Callable[..., list[Violation]]) -> Callable[..., list[Violation]]:
    """Attach the call (``Violation.call``: function name and arguments) to every violation ``check``
    returns. The outermost call wins: check_rejected's own call, not the check_no_server_error it makes."""
    signature = inspect.signature(check)

    @functools.wraps(check)
    def wrapper(*args: Any, **kwargs: Any) -> list[Violation]:
        found = check(*args, **kwargs)
        if found:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()  # stated in full: a default changed later must not change the replay
            call = {"function": check.__name__,
                    "args": {name: _described(value) for name, value in bound.arguments.items()}}
            found = [dataclasses.replace(v, call=call) for v in found]
        return found

    REPLAYABLE[check.__name__] = wrapper
    return wrapper


# --- accepted answers ----------------------------------------------------------------------------


@replayable
def check_accepted(result: UpscaleResult, clause: str, what: str = "") -> list[Violation]:
    """A request the contract accepts must get 200."""
    if result.status == 200:
        return []
    return [Violation("rejected_within_limit", clause,
                      f"{what or 'a valid request'} got {result.status}, expected 200", **answered(result))]


@replayable
def check_size(result: UpscaleResult, oriented: tuple[int, int], clause: str = "DIM-4X") -> list[Violation]:
    """The output is exactly 4x the oriented input in width and height."""
    want = (oriented[0] * SCALE, oriented[1] * SCALE)
    got = result.size
    if got == want:
        return []
    # An answer whose header claims more pixels than any answer may have is named, never decoded.
    shown = "no readable image" if got is None else f"{got[0]}x{got[1]}"
    if result.refused:
        shown += f" ({result.refused})"
    return [Violation("size_not_4x", clause, f"input {oriented[0]}x{oriented[1]} gave {shown}, "
                      f"expected {want[0]}x{want[1]}", **answered(result, input_size=oriented, output_size=got,
                                                                 expected=want))]


@replayable
def check_size_if_accepted(result: UpscaleResult, oriented: tuple[int, int], clause: str = "DIM-4X") -> list[Violation]:
    """:func:`check_size` for an answer that may rightly be a refusal: a 200 must be exactly 4x, anything else
    is judged elsewhere (the schema suite's 4x check, replayed: plugin/schema/four_x.py)."""
    return check_size(result, oriented, clause) if result.status == 200 else []


@replayable
def check_decodes(result: UpscaleResult) -> list[Violation]:
    if result.decode_error is None:
        return []
    return [Violation("undecodable_output", "OUT-DECODES", f"the 200 body does not decode: {result.decode_error}",
                      **answered(result, bytes=len(result.content)))]


_PIL_FORMAT = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP", "image/avif": "AVIF"}


@replayable
def check_format(result: UpscaleResult, export_format: str | None, profile: Profile) -> list[Violation]:
    """Content-Type matches the requested export.format (PNG by default), and the bytes match both."""
    clause = "FMT-PNG-DEFAULT" if export_format is None else "FMT-EXPORT"
    want_type = profile.export_formats[export_format or "png"]
    out = []
    if result.content_type != want_type:
        out.append(Violation("content_type_mismatch", clause,
                             f"export.format={export_format or '(default)'} gave Content-Type "
                             f"{result.content_type or '(none)'}, expected {want_type}", **answered(result)))
    if result.format != _PIL_FORMAT[want_type]:
        out.append(Violation("bytes_not_declared_format", clause,
                             f"the bytes are {result.format or 'not an image'}, expected {_PIL_FORMAT[want_type]}",
                             **answered(result)))
    return out


# CONTRACT-NOTES (Request): "JPEG is exported at quality 80". Encoders choose their own tables, so
# the quality is estimated from the luminance quantization table against the IJG base table that
# the quality scale is defined on, and only an answer far below it is a violation.
_IJG_LUMA_SUM = sum((16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
                     14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
                     92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99))
DOCUMENTED_JPEG_QUALITY = 80
MIN_JPEG_QUALITY = 50


def jpeg_quality(image: Image.Image | None) -> float | None:
    """The IJG quality a JPEG's luminance table corresponds to (None: not a JPEG).

    >>> import io; buf = io.BytesIO(); Image.new("RGB", (16, 16)).save(buf, "JPEG", quality=80)
    >>> round(jpeg_quality(Image.open(buf)))
    80
    """
    tables = getattr(image, "quantization", None)
    if not tables or 0 not in tables:
        return None
    scale = 100.0 * sum(tables[0]) / _IJG_LUMA_SUM  # percent of the base table, as IJG scales it
    return 5000.0 / scale if scale > 100 else (200.0 - scale) / 2


@replayable
def check_jpeg_quality(result: UpscaleResult, export_format: str | None) -> list[Violation]:
    """A JPEG answer is not written far below the documented quality 80."""
    if export_format not in ("jpeg", "jpg") or result.format != "JPEG":
        return []
    quality = jpeg_quality(result.image)
    if quality is None or quality >= MIN_JPEG_QUALITY:
        return []
    return [Violation("jpeg_quality_far_below", "FMT-EXPORT",
                      f"the JPEG answer is written at about quality {quality:.0f}, far below the documented "
                      f"{DOCUMENTED_JPEG_QUALITY} (below {MIN_JPEG_QUALITY} fails)",
                      **answered(result, estimated_quality=round(quality, 1)))]


# --- fidelity: the output scaled back down must be the input ------------------------------------


# What each round-trip defect (perceptual.fidelity_verdict) breaks.
_DEFECT_CLAUSE = {"mirrored": "FIDELITY-GEOMETRY", "flipped": "FIDELITY-GEOMETRY", "rotated": "FIDELITY-GEOMETRY",
                  "shifted": "FIDELITY-GEOMETRY", "mismatch": "FIDELITY-GEOMETRY", "lost": "FIDELITY-GEOMETRY",
                  "alpha": "ALPHA-KEPT"}


# An answer this close to the 4x size on each axis (one pixel too many, a rounding) still shows its geometry
# and colours: it is compared after resizing it to the 4x size, for the comparison only, and the finding says
# so. Further off (3x, axes swapped) a comparison would judge the resize: those clauses are BLOCKED instead.
RESIZE_TOLERANCE = 0.05


def _resizable(got: tuple[int, int], want: tuple[int, int]) -> bool:
    return all(abs(g - w) <= RESIZE_TOLERANCE * w for g, w in zip(got, want, strict=True))


def picture_blocker(result: UpscaleResult, picture_size: tuple[int, int], accepted: str,
                    size_clause: str = "DIM-4X") -> tuple[str, str] | None:
    """Why the answer's picture cannot be compared with an input of ``picture_size`` (the uploaded picture,
    EXIF applied): ``(the clause whose failure blocks it, the reason)``, None when it can (exactly 4x, or
    close enough to be compared after resizing it)."""
    if result.status != 200:
        return accepted, f"no picture to compare: the answer was {result.status}, not an upscale"
    if result.image is None or result.size is None:
        return "OUT-DECODES", "no picture to compare: the answer does not decode"
    want = (picture_size[0] * SCALE, picture_size[1] * SCALE)
    if not _resizable(result.size, want):
        return size_clause, (f"no geometry comparison on an answer of the wrong size: {result.size[0]}x"
                             f"{result.size[1]}, expected {want[0]}x{want[1]} (more than "
                             f"{RESIZE_TOLERANCE:.0%} off, too far to compare after resizing)")
    return None


def _compared(picture: Image.Image, result: UpscaleResult) -> tuple[Image.Image | None, dict[str, Any], str]:
    """The answer's picture to compare with ``picture`` (None: none can be), what was done to it for the
    comparison (measured values) and the sentence a finding adds about it."""
    want = (picture.width * SCALE, picture.height * SCALE)
    if result.image is None or result.size is None or not _resizable(result.size, want):
        return None, {}, ""
    if result.size == want:
        return result.image, {}, ""
    got = f"{result.size[0]}x{result.size[1]}"
    note = f"{got} -> {want[0]}x{want[1]}"
    resized = result.image.resize(want, Image.Resampling.BICUBIC)
    return resized, {"compared_after_resize": note}, (f" (compared after resizing the {got} answer to "
                                                      f"{want[0]}x{want[1]}, for the comparison only)")


@replayable
def check_fidelity(picture: Image.Image, result: UpscaleResult) -> list[Violation]:
    """Geometry and colour kept, judged against the input itself (no golden needed).

    The output scaled back down must match the input; the round trip and its limits are the
    perceptual module's (thresholds in contracts/perceptual.yaml), so both verdicts agree. An answer a few
    pixels off the 4x size is compared after resizing it (the size is check_size's finding); one further off,
    or none, is not compared (``picture_blocker`` says why).
    """
    image, resized, note = _compared(picture, result)
    if image is None:
        return []  # check_decodes or check_size reports it; the suite marks these clauses BLOCKED
    from .goldens.thresholds import load_thresholds  # the thresholds file is read once and cached there

    limits = load_thresholds().fidelity
    found = pc.fidelity_verdict(pc.roundtrip_distance(picture, image), limits)
    if found.ok:
        return []
    clause = _DEFECT_CLAUSE.get(found.defect or "", "FIDELITY-COLOUR")
    # The limits go with the measurement, so a bundle says what the answer was held to.
    return [Violation(f"fidelity_{found.defect}", clause, found.message + note,
                      **answered(result, **found.roundtrip.as_dict(), **resized,
                                 thresholds=dataclasses.asdict(limits)))]


@replayable
def check_alpha(picture: Image.Image, result: UpscaleResult) -> list[Violation]:
    """Transparency survives: the output has alpha and it matches the input's when scaled back down (an answer
    a few pixels off the 4x size after resizing it, as check_fidelity)."""
    image, resized, note = _compared(picture, result)
    if image is None:
        return []
    if not pc.has_alpha(image):
        return [Violation("alpha_lost", "ALPHA-KEPT", f"input has alpha, output is {image.mode}",
                          **answered(result, output_mode=image.mode))]
    want = pc.alpha_array(picture)
    # Area averaging: what an honest upscale's alpha must come back to at the input's size.
    got = np.asarray(pc.to_rgba(image).getchannel("A").resize(picture.size, Image.Resampling.BOX), dtype=np.float32)
    error = float(np.abs(got - want).mean())
    if error <= ALPHA_MAX_ERROR:
        return []
    return [Violation("alpha_changed", "ALPHA-KEPT",
                      f"alpha differs from the input's (mean error {error:.1f}){note}",
                      **answered(result, alpha_mean_abs_error=round(error, 2), **resized))]


@replayable
def check_portable(picture: Image.Image, result: UpscaleResult) -> list[Violation]:
    """PERCEPTUAL-PORTABLE: would any honest upscaler have produced this answer? The golden-free verdict
    (goldens.portable_check: the round trip and sharpness against bicubic), so a bundle of it replays
    anywhere. An answer with no picture fails it too: nothing to call an honest upscale."""
    if result.status != 200 or result.image is None:
        why = (f"target answered {result.status}" if result.status != 200
               else f"200 answer does not decode ({result.decode_error})")
        return [Violation("portable_no_image", "PERCEPTUAL-PORTABLE", why, **answered(result))]
    from .goldens.compare import portable_check  # scipy and scikit-image load on first use

    found = portable_check(picture, result.image)
    if found.ok:
        return []
    return [Violation(f"portable_{found.defect}", "PERCEPTUAL-PORTABLE", found.message,
                      **answered(result, **found.fidelity.roundtrip.as_dict(), sharpness=round(found.sharpness, 3),
                                 min_sharpness=found.min_sharpness))]


# --- one answer, every clause that applies (soft checks) ------------------------------------------


def judge_upscale(verdict: Recorder, result: UpscaleResult, oriented: tuple[int, int], *, accepted: str,
                  what: str = "", picture: Image.Image | None = None, size_clause: str = "DIM-4X",
                  no_5xx: bool = False, export: tuple[str | None, Profile] | None = None,
                  alpha: bool = False) -> None:
    """Judge an answer to a request the contract accepts by every clause that applies to it, each check's
    findings recorded in ``verdict`` without stopping at the first (the test's next ``verdict.check()`` fails
    it once for all). A clause that cannot be judged because another failed first is BLOCKED by that clause,
    with the reason (no picture to compare on a refusal; no geometry comparison on an answer of the wrong
    shape); an answer a few pixels off is compared after resizing it, and its finding says so.

    ``accepted``: the clause a refusal breaks; ``oriented``: the input's size as a viewer shows it;
    ``picture``: the uploaded picture (EXIF applied), for FIDELITY-* (ALPHA-KEPT with ``alpha``);
    ``export``: (export format, profile) for FMT-* and the JPEG quality; ``no_5xx``: ERR-NO-5XX too."""
    if no_5xx:
        verdict.judge(("ERR-NO-5XX",), check_no_server_error(result, what))
    verdict.judge((accepted,), check_accepted(result, accepted, what))
    fmt_clause = None if export is None else "FMT-PNG-DEFAULT" if export[0] is None else "FMT-EXPORT"
    compared = () if picture is None else ("ALPHA-KEPT",) if alpha else ("FIDELITY-GEOMETRY", "FIDELITY-COLOUR")
    if result.status != 200:
        why = f"the answer was {result.status}, not an upscale to judge"
        for clause in ("OUT-DECODES", size_clause, *compared, *([fmt_clause] if fmt_clause else [])):
            if clause != accepted:
                verdict.block(clause, accepted, why)
        return
    if export is not None:
        verdict.judge((fmt_clause,), check_format(result, *export), check_jpeg_quality(result, export[0]))
    verdict.judge(("OUT-DECODES",), check_decodes(result))
    verdict.judge((size_clause,), check_size(result, oriented, size_clause))
    if picture is None:
        return
    blocker = picture_blocker(result, picture.size, accepted, size_clause)
    if blocker is not None:
        for clause in compared:
            verdict.block(clause, *blocker)
        return
    verdict.judge(compared, check_alpha(picture, result) if alpha else check_fidelity(picture, result))


def image_distance(a: UpscaleResult, b: UpscaleResult) -> float | None:
    """Mean absolute difference of two outputs of the same size (None if not comparable)."""
    if a.image is None or b.image is None or a.size != b.size:
        return None
    # Compared as seen over the perceptual module's fixed background: hidden colour never counts.
    seen_a, seen_b = (np.asarray(pc.to_rgb(r.image), dtype=np.float32) for r in (a, b))
    return float(np.abs(seen_a - seen_b).mean())


# The header switches the model when the systematic difference beats both a floor (levels RMS) and
# Z standard errors of the target's rerun noise. Measured over 150 generated inputs (24-80 px): on
# the deterministic reference server the two ai.fast models differ by 2.08 levels RMS at least, with
# a rerun of 0; with answers varying by up to 2, 8 or 16 levels per pixel the excess is at least
# 259, 20 and 5.9 standard errors; with the header ignored it stays within -2.3 to +2.9 (systematic
# RMS up to 0.77 at 8 levels: a floor in levels alone would not tell).
MODEL_SWITCH_FLOOR = 0.1
MODEL_SWITCH_Z = 4.0

# Standard errors are taken over blocks of this many output pixels a side, not single pixels: a
# sampling model's variation is spatially correlated, which per-pixel averaging would hide.
SYSTEMATIC_BLOCK = 8


@dataclass(frozen=True)
class SystematicDifference:
    """How far ``b`` sits from ``a1`` beyond the rerun noise between ``a1`` and ``a2``.

    ``excess``: mse(a1, b) - mse(a1, a2) in levels squared, the systematic part of the difference
    (independent sampling noise cancels in expectation); ``se``: the standard error ``excess``
    would have if ``b`` were just another sample of the same request; ``rerun``: RMS of a1 - a2.
    """

    excess: float
    se: float
    rerun: float

    @property
    def rms(self) -> float:
        """The systematic difference in levels RMS (0 when the excess is not positive)."""
        return max(self.excess, 0.0) ** 0.5

    def beats(self, floor: float = 0.0, z: float = 0.0) -> bool:
        """The difference is systematic: above ``floor`` levels RMS and ``z`` standard errors
        (by default the MODEL-SWITCH thresholds)."""
        floor, z = floor or MODEL_SWITCH_FLOOR, z or MODEL_SWITCH_Z
        return self.excess > max(floor**2, z * self.se)

    def needed(self, floor: float = 0.0, z: float = 0.0) -> float:
        """The smallest systematic RMS that would have counted as a switch."""
        floor, z = floor or MODEL_SWITCH_FLOOR, z or MODEL_SWITCH_Z
        return max(floor**2, z * self.se) ** 0.5


def _seen(image: UpscaleResult | Image.Image | np.ndarray) -> np.ndarray | None:
    if isinstance(image, np.ndarray):
        return image.astype(np.float64)
    if isinstance(image, UpscaleResult):
        image = image.image
    return None if image is None else np.asarray(pc.to_rgb(image), dtype=np.float64)


def _block_means(values: np.ndarray, size: int) -> np.ndarray:
    """Means over size x size blocks (all channels); the whole picture is one block if smaller."""
    h, w = (values.shape[0] // size) * size, (values.shape[1] // size) * size
    if h == 0 or w == 0:
        return np.array([values.mean()])
    cropped = values[:h, :w].reshape(h // size, size, w // size, size, -1)
    return cropped.mean(axis=(1, 3, 4)).ravel()


def systematic_difference(a1, a2, b) -> SystematicDifference | None:
    """Does ``b`` differ from ``a1`` by more than two answers to one request do (``a1``, ``a2``)?

    Each argument is an :class:`UpscaleResult`, a PIL image or an array of levels; None if any is
    missing or the sizes differ. Alpha is composited over the perceptual module's background, as
    :func:`image_distance` does. The standard error is that of the excess with no systematic
    difference (``b`` one more sample): ``2 * var / n`` of the rerun's squared differences,
    over blocks of :data:`SYSTEMATIC_BLOCK` px, an upper bound since ``a1`` is shared. A
    deterministic target has a rerun of 0, so any difference beyond the floor counts.

    >>> rng = np.random.default_rng(1)
    >>> model = rng.uniform(0, 255, (96, 96, 3))
    >>> def sample(m): return m + rng.integers(-2, 3, m.shape)
    >>> a1, a2 = sample(model), sample(model)
    >>> systematic_difference(a1, a2, sample(model)).beats(floor=0.1, z=4)
    False
    >>> other = systematic_difference(a1, a2, sample(model + 1.0))
    >>> other.beats(floor=0.1, z=4), round(other.rms, 1), round(other.rerun, 1)
    (True, 1.0, 2.0)
    """
    seen = [_seen(x) for x in (a1, a2, b)]
    if any(x is None for x in seen) or len({x.shape for x in seen}) != 1:
        return None
    first, rerun, changed = seen
    noise = (first - rerun) ** 2
    excess = float(((first - changed) ** 2).mean() - noise.mean())
    blocks = _block_means(noise, SYSTEMATIC_BLOCK)
    se = float(np.sqrt(2.0 * blocks.var() / blocks.size))
    return SystematicDifference(excess, se, float(np.sqrt(noise.mean())))


# --- rejected answers ----------------------------------------------------------------------------


# The error bodies CONTRACT-NOTES documents (Response): 400 and 500 carry a message, 402 a detail.
# The body of any other status (401/403 for a key, 413, 429, ...) is unknown: not judged.
DOCUMENTED_ERROR_BODIES = {400: "message", 402: "detail", 500: "message"}


@replayable
def check_error_body(result: UpscaleResult) -> list[Violation]:
    """A 400 or 500 carries {"error": {"message": ...}}, a 402 {"error": {"detail": ...}}."""
    key = DOCUMENTED_ERROR_BODIES.get(result.status)
    if key is None:
        return []
    body = result.error_body
    ok = isinstance(body, dict) and isinstance(body.get("error"), dict) and isinstance(body["error"].get(key), str)
    if ok:
        return []
    return [Violation("error_body_shape", "ERR-BODY",
                      f'{result.status} body is not {{"error": {{"{key}": "..."}}}}', **answered(result))]


@replayable
def check_no_server_error(result: UpscaleResult, what: str = "") -> list[Violation]:
    """Whatever the contract leaves open, a 5xx is never a valid answer to a client's request."""
    if result.status < 500:
        return []
    return [Violation("server_error_for_client_mistake", "ERR-NO-5XX", f"{what or 'the request'} got {result.status}",
                      **answered(result))]


def accepted_code(clause: str) -> str:
    """The finding's code when a request that must be refused gets a silent 200: what was accepted, by clause.

    >>> accepted_code("LIMIT-FAST-EDGE"), accepted_code("AUTH-REQUIRED"), accepted_code("MODE-UNKNOWN")
    ('accepted_past_limit', 'key_not_refused', 'mistake_accepted')
    """
    if clause.startswith("LIMIT-"):
        return "accepted_past_limit"
    return "key_not_refused" if clause == "AUTH-REQUIRED" else "mistake_accepted"


@replayable
def check_rejected(result: UpscaleResult, statuses: tuple[int, ...], clause: str, what: str = "") -> list[Violation]:
    """A client mistake gets one of ``statuses`` with the documented body, never a 5xx or a 200."""
    out = check_no_server_error(result, what or "a client mistake")
    if result.status not in statuses:
        code = accepted_code(clause) if result.status == 200 else "wrong_error_status"
        got = f"a silent {result.status}" if result.status == 200 else str(result.status)
        out.append(Violation(code, clause, f"{what or 'the request'} got {got}, expected "
                             f"{' or '.join(map(str, statuses))}", **answered(result, size=result.size)))
    if result.status >= 400:
        out.extend(check_error_body(result))
    return out
