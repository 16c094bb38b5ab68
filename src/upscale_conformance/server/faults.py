"""The one place where a fault can be planted in the reference server (a test-only hook).

The suites must prove that they catch a broken implementation, so the server can be told to
misbehave in named, small ways. A :class:`Faults` value with its defaults is the correct server;
the server's code path calls the hooks below unconditionally, and only these hooks look at the
fields, so a fault can never leak into the normal path by accident. :class:`.wire_faults.ResponseFaults`
(plain ASGI around the app) plants what lives on the wire: status bursts, delays, undeclared methods, the
error body's shape, extra headers. ``upscale-conformance selfcheck`` names realistic combinations of
these fields in its catalog (``selfcheck/catalog.py``); no check of the suite reads them.

>>> Faults().active
False
>>> Faults.from_json('{"mirror": true, "colour_cast": [10, 0, 0]}')
Faults(mirror=True, colour_cast=(10, 0, 0))
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import math
import os
import threading
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from .. import orientation
from ..contract import MODEL_HEADER, SCALE, Limit, Profile
from .apierror import ApiError

ENV_VAR = "UPSCALE_SERVER_FAULTS"
NOISE_SEED = 20250729  # fixed, so a faulted server is still deterministic


@dataclass(frozen=True)
class Faults:
    """Named misbehaviours; every default means "behave correctly"."""

    scale: int = SCALE
    limit_offset: int = 0
    over_limit_status: int | None = None
    mirror: bool = False
    mirror_every: int | None = None  # every Nth image this server upscales comes back mirrored (a flaky server)
    ignore_model_header: bool = False
    channel_swap: bool = False
    blur: float = 0.0
    blur_mode: str | None = None  # only this mode's answers are blurred (None: every mode's)
    noise: float = 0.0
    colour_cast: tuple[int, int, int] = (0, 0, 0)
    jpeg_quality_collapse: bool = False
    die_after: int | None = None
    drop_alpha: bool = False
    # Not a contract fault: outputs vary run to run by up to this many levels per pixel and
    # channel, as a sampling (generative) model's do. Random per request, unlike ``noise``, so
    # the goldens and the model-switch check can be shown to tolerate a target's own spread.
    sampling: float = 0.0
    # --- geometry and pixels (applied to the upscaled image)
    size_offset: int = 0  # output this many pixels wider than the engine made
    swap_axes: bool = False
    shift: int = 0  # content moved right and down by this many output pixels
    grayscale: bool = False
    wrong_model: bool = False  # the model header selects the ai.slow engine instead of the one it names
    # A vendor's new model, not a defect: the answers of this ai.fast model version (the header's value)
    # come out crisper (an unsharp mask), a systematic change for golden review to group and approve.
    retrained_model: str | None = None
    # --- limits and downscaling
    no_limit: bool = False
    budget_offset: int = 0  # a pixel budget this many pixels larger (-1 refuses the exact budget)
    per_axis_limit: bool = False  # a pixel budget enforced as a square of its root on each axis
    slow_limit_factor: float = 1.0
    slow_uses_fast_limit: bool = False
    silent_downscale: bool = False  # past the limit: 200 with a smaller image instead of an error
    ignore_downscale_always: bool = False
    downscale_distorts: bool = False
    # --- requests and errors
    flat_error_body: bool = False  # {"message": ...} instead of {"error": {"message": ...}}
    accept_unknown_mode: bool = False
    refuse_model_header: bool = False
    slow_header_status: int | None = None  # answer this when ai.slow is sent the model header
    ignore_auth: bool = False
    crash_on_mode: str | None = None  # an input in this PIL colour mode crashes the server (500)
    crash_on_format: str | None = None  # an input in this PIL format crashes the server (500)
    undecodable_status: int | None = None
    # --- hostile input (the ROB-* battery)
    bomb_status: int | None = None  # a decompression bomb (header past Pillow's bound) answered this, not 400
    two_files_status: int | None = None  # two imageFile parts answered this, not 400
    no_boundary_status: int | None = None  # a multipart/form-data body without a boundary answered this, not 400
    # --- the answer's bytes
    ignore_exif: bool = False
    content_type: str | None = None
    ignore_export_format: bool = False
    truncate_output: bool = False
    jpeg_export_quality: int | None = None
    # --- variations the contract allows (a real vendor may show them)
    undeclared_method_status: int | None = None  # other methods on /v2/edit answered this, not 405
    error_extra_fields: bool = False
    json_charset: bool = False
    extra_headers: bool = False
    unknown_version_accepted: bool = False  # an unknown model version falls back to the default model
    # --- transport trouble
    throttle_every: int | None = None  # every Nth POST answered 429 with Retry-After
    unavailable_every: int | None = None  # every Nth POST answered 503
    slow_seconds: float = 0.0  # every POST delayed this long
    drop_every: int | None = None  # every Nth POST: the connection is closed before any answer (a balancer's drop)
    trickle_bytes_per_second: int | None = None  # every answer's body sent at this rate (a target that trickles)
    # An outage: every request to /v2/edit after the Nth POST is answered ``outage_status`` (with
    # Retry-After: 1, or a gateway's HTML page when ``outage_html``), for ``outage_seconds`` from the
    # first one it refuses (None: for good).
    outage_after: int | None = None
    outage_status: int = 503
    outage_html: bool = False
    outage_seconds: float | None = None
    # --- concurrency: invisible to requests sent one at a time (``upscale-conformance load`` shows them)
    swap_in_flight: bool = False  # with another request in the image stage, answer with the previous one's picture
    error_past_in_flight: int | None = None  # a 500 once more than this many requests are in the image stage

    def __post_init__(self) -> None:
        # JSON gives lists; a frozen dataclass must stay hashable (fixtures cache servers by it).
        object.__setattr__(self, "colour_cast", tuple(int(v) for v in self.colour_cast))
        if len(self.colour_cast) != 3:
            raise ValueError("Faults.colour_cast must have three values (R, G, B)")
        if self.scale < 1:
            raise ValueError("Faults.scale must be 1 or more")
        if self.sampling < 0:
            raise ValueError("Faults.sampling must be 0 or more")
        if self.die_after is not None and self.die_after < 0:
            raise ValueError("Faults.die_after must be 0 or more")
        # The count of images upscaled, for mirror_every: one per Faults value, so per server (not a field).
        object.__setattr__(self, "_upscaled", itertools.count(1))
        for name in ("throttle_every", "unavailable_every", "mirror_every", "drop_every"):
            if getattr(self, name) is not None and getattr(self, name) < 2:
                raise ValueError(f"Faults.{name} must be 2 or more (1 would refuse every request forever)")
        if self.outage_after is not None and self.outage_after < 0:
            raise ValueError("Faults.outage_after must be 0 or more")
        if self.outage_seconds is not None and self.outage_seconds <= 0:
            raise ValueError("Faults.outage_seconds must be above 0")
        if self.error_past_in_flight is not None and self.error_past_in_flight < 1:
            raise ValueError("Faults.error_past_in_flight must be 1 or more (0 would refuse every request)")
        if self.trickle_bytes_per_second is not None and self.trickle_bytes_per_second < 1:
            raise ValueError("Faults.trickle_bytes_per_second must be 1 or more")
        if self.slow_seconds < 0 or self.slow_limit_factor <= 0 or self.shift < 0:
            raise ValueError("Faults.slow_seconds and shift must be 0 or more, slow_limit_factor above 0")

    def __repr__(self) -> str:
        changed = [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
                   if getattr(self, f.name) != f.default]
        return f"Faults({', '.join(changed)})"

    @property
    def active(self) -> bool:
        return self != Faults()

    def to_json(self) -> str:
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)
                           if getattr(self, f.name) != f.default})

    @classmethod
    def from_json(cls, text: str) -> Faults:
        """Parse ``{"field": value, ...}``; an unknown field is an error that names the known ones."""
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError as exc:
            raise ValueError(f"{ENV_VAR}: not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ValueError(f"{ENV_VAR}: expected a JSON object of fault names, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**data)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Faults:
        """The faults in $UPSCALE_SERVER_FAULTS (none if unset), so a subprocess server can be faulted."""
        return cls.from_json((environ if environ is not None else os.environ).get(ENV_VAR, ""))

    def replace(self, **changes: Any) -> Faults:
        return dataclasses.replace(self, **changes)


# --- hooks: the server calls each of these on every request ---------------------------------------


def accepts(limit: Limit, width: int, height: int, faults: Faults) -> bool:
    """The limit check. ``limit_offset`` shifts the boundary by that many pixels on each axis."""
    off = faults.limit_offset
    return limit.accepts(max(1, width - off), max(1, height - off))


def over_limit_status(normal: int, faults: Faults) -> int:
    return faults.over_limit_status if faults.over_limit_status is not None else normal


def model_version(requested: str | None, faults: Faults) -> str | None:
    """The model version the engine sees; ``ignore_model_header`` drops the header."""
    return None if faults.ignore_model_header else requested


def limit(profile: Profile, mode: str, faults: Faults) -> Limit:
    """The limit the server enforces for ``mode``: the profile's, unless a limit fault bends it."""
    lim = profile.limit("ai.fast" if faults.slow_uses_fast_limit and mode == "ai.slow" else mode)
    if faults.no_limit:
        return Limit("pixels", max_pixels=10**12)
    if mode == "ai.slow" and faults.slow_limit_factor != 1.0:
        lim = Limit(lim.kind, int(lim.max_pixels * faults.slow_limit_factor),
                    int(lim.max_width * faults.slow_limit_factor), int(lim.max_height * faults.slow_limit_factor))
    if lim.kind == "pixels" and faults.per_axis_limit:
        side = math.isqrt(lim.max_pixels)
        return Limit("per_axis", max_width=side, max_height=side)
    if lim.kind == "pixels" and faults.budget_offset:
        return Limit("pixels", max_pixels=lim.max_pixels + faults.budget_offset)
    return lim


def downscale_choice(requested: str, faults: Faults) -> str:
    if faults.silent_downscale:
        return "always"
    return "never" if faults.ignore_downscale_always and requested == "always" else requested


def fitted(fit: tuple[int, int], faults: Faults) -> tuple[int, int]:
    """``downscale_distorts``: squeeze the fitted size into a square (still within the limit)."""
    return (min(fit),) * 2 if faults.downscale_distorts else fit


def form_mode(mode: str, profile: Profile, faults: Faults) -> str:
    """``accept_unknown_mode``: an unknown mode is served as ai.fast instead of refused."""
    return "ai.fast" if faults.accept_unknown_mode and mode not in profile.limits else mode


def form_version(version: str | None, profile: Profile, faults: Faults) -> str | None:
    if version is not None and faults.refuse_model_header:
        raise ApiError(400, f"{MODEL_HEADER} is not supported")
    if faults.unknown_version_accepted and version not in profile.known_versions:
        return None  # served by the default model, as a vendor falling back would
    return version


def auth_problem(problem: str | None, faults: Faults) -> str | None:
    return None if faults.ignore_auth else problem


def before_decode(data: bytes, faults: Faults) -> None:
    """``crash_on_mode`` / ``crash_on_format``: an unexpected exception, as a real bug would raise."""
    if faults.crash_on_mode is None and faults.crash_on_format is None:
        return
    try:
        im = Image.open(io.BytesIO(data))
    except Exception:
        return
    if im.mode == faults.crash_on_mode or im.format == faults.crash_on_format:
        raise RuntimeError(f"planted crash on {im.format} {im.mode}")


def undecodable_status(faults: Faults) -> int:
    return faults.undecodable_status or 400


def bomb_status(faults: Faults) -> int:
    return faults.bomb_status or 400


def repeated_fields(repeated: list[str], faults: Faults) -> None:
    """``two_files_status``: two imageFile parts fail as a server that never expected them would."""
    if faults.two_files_status is not None and "imageFile" in repeated:
        raise ApiError(faults.two_files_status, "internal server error")


def content_type_error(error: ApiError, content_type: str | None, faults: Faults) -> ApiError:
    """``no_boundary_status``: a multipart/form-data Content-Type without its boundary fails the same way."""
    if faults.no_boundary_status is not None and (content_type or "").split(";")[0].strip().lower() == \
            "multipart/form-data":
        return ApiError(faults.no_boundary_status, "internal server error")
    return error


def after_decode(im: Image.Image, data: bytes, faults: Faults) -> Image.Image:
    """``ignore_exif``: undo the orientation the decoder applied, as if the tag were never read."""
    if not faults.ignore_exif:
        return im
    return orientation.to_stored(im, orientation.of_bytes(data))


def engine_version(mode: str, version: str | None, faults: Faults) -> tuple[str, str | None]:
    """The (mode, version) the engine is chosen by; may refuse ai.slow with the header."""
    if faults.slow_header_status and mode == "ai.slow" and version is not None:
        raise ApiError(faults.slow_header_status, "internal error")
    if faults.wrong_model and version is not None:
        return "ai.slow", None
    return mode, model_version(version, faults)


def export_format(fmt: str, faults: Faults) -> str:
    return "png" if faults.ignore_export_format else fmt


def encode(image: Image.Image, fmt: str, normal: bytes, faults: Faults) -> bytes:
    if faults.jpeg_export_quality is not None and fmt == "jpeg":
        buf = io.BytesIO()
        image.convert("RGB").save(buf, "JPEG", quality=faults.jpeg_export_quality)
        normal = buf.getvalue()
    return normal[: len(normal) // 2] if faults.truncate_output else normal


def content_type(normal: str, faults: Faults) -> str:
    return faults.content_type or normal


def should_die(post_count: int, faults: Faults) -> bool:
    """True once more than ``die_after`` POST requests have arrived."""
    return faults.die_after is not None and post_count > faults.die_after


class AnswerBox:
    """The last answer a ``swap_in_flight`` server finished: shared by the requests of one server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held = None

    def exchange(self, answer):
        """Leave ``answer`` here and take the one left before it (``answer`` itself the first time)."""
        with self._lock:
            previous, self._held = self._held, answer
        return answer if previous is None else previous


def in_flight_failure(in_flight: int, faults: Faults) -> None:
    """``error_past_in_flight``: a 500 for a request that finds more than N in the image stage, as a
    server whose worker pool falls over under load would give."""
    if faults.error_past_in_flight is not None and in_flight > faults.error_past_in_flight:
        raise ApiError(500, f"internal server error ({in_flight} requests in flight)")


def answer_in_flight(answer, in_flight: int, box: AnswerBox, faults: Faults):
    """``swap_in_flight``: while another request is in the image stage, a request gets the answer
    the previous one finished with (a shared buffer, as a racy cache would do). Alone, its own."""
    if not faults.swap_in_flight or in_flight < 2:
        return answer
    return box.exchange(answer)


def apply_output_faults(image: Image.Image, faults: Faults, mode: str = "", version: str | None = None,
                        ) -> Image.Image:
    """Damage an upscaled image (L, LA, RGB or RGBA) as the faults say; a no-op without faults.
    ``mode`` and ``version`` (the request's) scope ``blur_mode`` and ``retrained_model``."""
    if not faults.active:
        return image
    if faults.scale != 4:
        w, h = image.size  # the engine made exactly 4x, so this is exactly faults.scale x the input
        image = image.resize((w * faults.scale // 4, h * faults.scale // 4), Image.Resampling.BICUBIC)
    if faults.size_offset or faults.swap_axes:
        w, h = image.size
        size = (h, w) if faults.swap_axes else (w + faults.size_offset, h)
        image = image.resize(size, Image.Resampling.BICUBIC)
    if faults.mirror or (faults.mirror_every and next(faults._upscaled) % faults.mirror_every == 0):
        image = ImageOps.mirror(image)
    if faults.shift:  # same size, content moved: the edge pixels are repeated into the gap
        image = ImageOps.expand(image, (faults.shift, faults.shift, 0, 0)).crop((0, 0) + image.size)
    colour, alpha = _split_alpha(image)
    if faults.sampling > 0:  # the engine's own variation, before any fault damages the colour
        colour = _sample(colour, faults.sampling)
    if faults.grayscale and colour.mode == "RGB":
        colour = colour.convert("L").convert("RGB")
    if faults.channel_swap and colour.mode == "RGB":
        r, g, b = colour.split()
        colour = Image.merge("RGB", (b, g, r))
    if faults.retrained_model is not None and mode == "ai.fast" and version == faults.retrained_model:
        colour = colour.filter(ImageFilter.UnsharpMask(radius=2, percent=60, threshold=0))
    if faults.blur > 0 and faults.blur_mode in (None, mode):
        colour = colour.filter(ImageFilter.GaussianBlur(faults.blur))
    if faults.noise > 0 or any(faults.colour_cast):
        colour = _add(colour, faults)
    if faults.jpeg_quality_collapse:
        buf = io.BytesIO()
        colour.save(buf, "JPEG", quality=5)
        colour = Image.open(io.BytesIO(buf.getvalue())).convert(colour.mode)
    if faults.drop_alpha:
        alpha = None
    return colour if alpha is None else _join_alpha(colour, alpha)


def _split_alpha(image: Image.Image) -> tuple[Image.Image, Image.Image | None]:
    if image.mode in ("RGBA", "LA"):
        return image.convert(image.mode[:-1]), image.getchannel("A")
    return image, None


def _join_alpha(colour: Image.Image, alpha: Image.Image) -> Image.Image:
    out = colour.convert(colour.mode + "A")
    out.putalpha(alpha)
    return out


def _add(colour: Image.Image, faults: Faults) -> Image.Image:
    pixels = np.asarray(colour, dtype=np.float32)
    cast = np.array(faults.colour_cast, dtype=np.float32)
    pixels = pixels + (cast if pixels.ndim == 3 else cast.mean())
    if faults.noise > 0:
        pixels = pixels + np.random.default_rng(NOISE_SEED).normal(0.0, faults.noise, pixels.shape)
    return Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8), colour.mode)


def _sample(colour: Image.Image, amount: float) -> Image.Image:
    """Whole-level variation of up to ``amount`` per pixel and channel, every value equally likely
    (-2..2 for 2), from an unseeded generator: identical requests get different answers."""
    pixels = np.asarray(colour, dtype=np.float32)
    offsets = np.rint(np.random.default_rng().uniform(-amount - 0.5, amount + 0.5, pixels.shape))
    pixels = pixels + np.clip(offsets, -amount, amount)
    return Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8), colour.mode)
