"""What POST /v2/edit does, without HTTP: validate the form, then decode, fit, upscale, encode.

:func:`parse_edit` turns the parsed form into an :class:`EditRequest` or a 400-class
:class:`ApiError`; :func:`run` is the CPU-bound part (called off the event loop) and judges the
limit on the header's oriented size before any pixel is decoded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import quote

from PIL import Image

from ..contract import MODEL_HEADER, UNSUPPORTED_HEADER, Limit, Profile
from . import engines, imageio
from . import faults as hooks
from .apierror import ApiError
from .faults import Faults
from .form import Form
from .parallel.render import render
from .watermark import watermark

USED_FIELDS = ("imageFile", "upscale.mode", "removeBackground", "export.format", "upscale.downscaleIfNeeded")
DOWNSCALE_CHOICES = ("never", "always", "skipUpscaleIfNotNeeded")


@dataclass(frozen=True)
class EditRequest:
    """A validated request: every value here is one the server supports."""

    image: bytes
    mode: str
    version: str | None
    export_format: str
    downscale: str
    ignored: tuple[str, ...] = ()
    watermark: bool = False  # a sandbox key's result carries the vendor's watermark

    def ignored_header(self) -> dict[str, str]:
        return unsupported_header(self.ignored)


def unsupported_header(names: list[str] | tuple[str, ...]) -> dict[str, str]:
    """The vendor's way to say "I ignored these": one comma-separated response header.

    Field names come from the client and may hold any character; a header carries only visible
    ASCII, so anything else is percent-encoded (a raw one would crash the response).

    >>> unsupported_header(["referenceBox", "naïve, too"])
    {'pr-unsupported-attributes': 'referenceBox, na%C3%AFve%2C%20too'}
    """
    safe = "".join(chr(c) for c in range(33, 127) if chr(c) not in "%,")
    return {UNSUPPORTED_HEADER: ", ".join(quote(n, safe=safe) for n in names)} if names else {}


@dataclass(frozen=True)
class Output:
    data: bytes
    content_type: str
    size: tuple[int, int]


def ignored_attributes(form: Form, query_names: list[str]) -> list[str]:
    """Form fields this server does not use (referenceBox included: it only ever upscales the whole
    image) and query parameters (the vendor reads parameters from the body only)."""
    names = [n for n in form.names() if n not in USED_FIELDS] + list(query_names)
    return list(dict.fromkeys(names))


def parse_edit(form: Form, version: str | None, query_names: list[str], profile: Profile,
               faults: Faults | None = None) -> EditRequest:
    """Validate the form against the profile; the ignored attributes ride along on any error too."""
    ignored = ignored_attributes(form, query_names)
    try:
        edit = _validate(form, version, profile, faults or Faults())
    except ApiError as exc:
        raise exc.with_headers(unsupported_header(ignored)) from None
    if version is not None and edit.mode not in profile.switching_modes:
        ignored.append(MODEL_HEADER)  # a known version, but it selects nothing for this mode
    return replace(edit, ignored=tuple(ignored))


def _validate(form: Form, version: str | None, profile: Profile, faults: Faults) -> EditRequest:
    repeated = [n for n in form.repeated() if n in USED_FIELDS]
    hooks.repeated_fields(repeated, faults)
    if repeated:
        raise ApiError(400, f"form field {repeated[0]} is given more than once")
    image = form.get("imageFile")
    if image is None or not image.data:
        raise ApiError(400, "imageFile is missing" if image is None else "imageFile is empty")
    if len(image.data) > profile.max_upload_bytes:
        raise too_large(profile)
    mode = _text(form, "upscale.mode")
    if mode is not None:
        mode = hooks.form_mode(mode, profile, faults)
    if mode is None:
        raise ApiError(400, "upscale.mode is missing; this server only upscales (ai.fast or ai.slow)")
    if mode not in profile.limits:
        raise ApiError(profile.status("unknown_mode")[0],
                       f"upscale.mode must be one of {', '.join(profile.limits)}, got {mode[:40]!r}")
    remove = _text(form, "removeBackground")
    if remove is None or remove.lower() == "true":
        why = "removeBackground defaults to true" if remove is None else "removeBackground=true"
        raise ApiError(400, f"{why}, but this server only upscales (no background removal): "
                            "send removeBackground=false")
    if remove.lower() != "false":
        raise ApiError(400, f"removeBackground must be true or false, got {remove[:40]!r}")
    fmt = _text(form, "export.format") or "png"
    if fmt not in profile.export_formats:
        raise ApiError(400, f"export.format must be one of {', '.join(profile.export_formats)}, got {fmt[:40]!r}")
    downscale = _text(form, "upscale.downscaleIfNeeded") or "never"
    if downscale not in DOWNSCALE_CHOICES:
        raise ApiError(400, f"upscale.downscaleIfNeeded must be one of {', '.join(DOWNSCALE_CHOICES)}, "
                            f"got {downscale[:40]!r}")
    version = hooks.form_version(version, profile, faults)
    if version is not None and version not in profile.known_versions:
        raise ApiError(400, f"unknown {MODEL_HEADER} {version[:60]!r}; known: {', '.join(profile.known_versions)}")
    return EditRequest(image.data, mode, version, fmt, downscale)


def _text(form: Form, name: str) -> str | None:
    part = form.get(name)
    return None if part is None else part.text()


def too_large(profile: Profile) -> ApiError:
    status = 413 if 413 in profile.status("too_large_upload") else profile.status("too_large_upload")[0]
    mb = profile.max_upload_bytes / (1024 * 1024)
    return ApiError(status, f"the upload is over the {profile.max_upload_bytes:,}-byte ({mb:g} MB) limit "
                            "for imageFile")


# --- the CPU-bound part --------------------------------------------------------------------------


def run(edit: EditRequest, profile: Profile, faults: Faults) -> Output:
    """Decode, fit to the limit, upscale 4x, encode. Raises ApiError for a client's mistake."""
    hooks.before_decode(edit.image, faults)
    try:
        header = imageio.probe(edit.image)
    except imageio.BombError as exc:
        raise ApiError(hooks.bomb_status(faults), str(exc)) from None
    except imageio.ImageError as exc:
        raise ApiError(hooks.undecodable_status(faults), str(exc)) from None
    limit = hooks.limit(profile, edit.mode, faults)
    status = hooks.over_limit_status(profile.status("over_limit")[0], faults)
    target = plan_size(header.size, edit.mode, limit, edit.downscale, faults, status)
    try:
        im = hooks.after_decode(imageio.decode(edit.image), edit.image, faults)
    except imageio.ImageError as exc:
        raise ApiError(hooks.undecodable_status(faults), str(exc)) from None
    if im.size != header.size:  # an EXIF block found only while decoding (a PNG eXIf after the pixels)
        target = plan_size(im.size, edit.mode, limit, edit.downscale, faults, status)
    if im.size != target:
        im = im.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    try:  # before the upscale: a size the format cannot hold is the client's choice of format
        imageio.check_encodable((target[0] * 4, target[1] * 4), edit.export_format)
    except imageio.ImageError as exc:
        raise ApiError(400, str(exc)) from None
    engine = engines.select(*hooks.engine_version(edit.mode, edit.version, faults), profile.switching_modes)
    fmt = hooks.export_format(edit.export_format, faults)
    if not faults.active and not edit.watermark:  # the common case: on every core, no whole image held
        data = render(im, engine, fmt)
        return Output(data, profile.export_formats[fmt], (im.width * engines.SCALE, im.height * engines.SCALE))
    # A planted fault or the sandbox mark changes the whole picture: one thread, every step as before.
    out = hooks.apply_output_faults(engine.upscale(im), faults, edit.mode, edit.version)
    if edit.watermark:
        out = watermark(out)
    data = hooks.encode(out, fmt, imageio.encode(out, fmt), faults)
    return Output(data, hooks.content_type(profile.export_formats[fmt], faults), out.size)


def plan_size(size: tuple[int, int], mode: str, limit: Limit, downscale: str, faults: Faults,
              status: int) -> tuple[int, int]:
    """The size to upscale: the input's if within the limit, else what downscaleIfNeeded allows.

    skipUpscaleIfNotNeeded (the vendor leaves the rest unknown): downscale to fit, as with always,
    when 4x of the fitted size is still at least the input's size on both axes; otherwise refuse,
    since the input is already larger than any answer this mode could give.
    """
    w, h = size
    if hooks.accepts(limit, w, h, faults):
        return size
    fit = hooks.fitted(limit.fit(w, h), faults)
    downscale = hooks.downscale_choice(downscale, faults)
    if downscale == "always":
        return fit
    if downscale == "skipUpscaleIfNotNeeded":
        if fit[0] * engines.SCALE >= w and fit[1] * engines.SCALE >= h:
            return fit
        raise ApiError(status, f"input image is {w}x{h}, over the {mode} limit of {limit.describe()}, and "
                               f"more than {engines.SCALE}x larger than the largest accepted size "
                               f"{fit[0]}x{fit[1]}: upscaling is not needed (skipUpscaleIfNotNeeded)")
    raise ApiError(status, f"input image is {w}x{h} ({w * h:,} pixels), over the {mode} limit of "
                           f"{limit.describe()}; send a smaller image or upscale.downscaleIfNeeded=always")
