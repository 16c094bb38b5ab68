"""The hostile-input battery: requests no careful client sends, each with what a target may answer.

Two kinds of entry:

* ``REFUSE``: no reading of the request makes it a valid upscale (no image, bytes that are no image
  or are cut short, a header claiming more pixels than any limit, an upload past 30 MB, an unknown
  or wrongly typed value, a body that is not multipart/form-data). The answer must be a 4xx.
* ``EITHER``: the input may be valid after all (a CMYK JPEG, a 16-bit PNG, the first frame of an
  animation, an odd EXIF block, an unusual filename, a repeated part). The contract names none of
  these, so a 4xx is recorded, not judged; a 200 must still be a decodable image exactly 4x one of
  the ``sizes`` a reading of the request allows.

Whatever the kind, a 5xx or no answer at all is a failure. Every request is built through httpx's
own encoder (:func:`multipart`), never by hand-splicing bytes, except where the point is a broken
body.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlencode

import httpx

from ..client import RawBody, UpscaleRequest
from ..contract import MODEL_HEADER, Profile
from . import inputs as im

REFUSE, EITHER = "refuse", "either"
SEED_FIELDS = (("referenceBox", "originalImage"), ("removeBackground", "false"), ("upscale.mode", "ai.fast"))
# Seconds a hostile request may go without an answer before it counts as a hang (per network step:
# connect, each write, each read). The reference server answers each in well under a second.
HANG_SECONDS = 60.0
LONG = 10_000  # characters in the "long value" entries


@dataclass(frozen=True)
class Hostile:
    name: str
    what: str
    expect: str  # REFUSE or EITHER
    build: Callable[[Profile], UpscaleRequest]
    sizes: Callable[[Profile], tuple[tuple[int, int], ...]] = lambda _p: ((40, 30),)  # EITHER: 200 is 4x one

    def request(self, profile: Profile) -> UpscaleRequest:
        return replace(self.build(profile), timeout=HANG_SECONDS)


def multipart(parts: list[tuple[str, tuple]], content_type: str | None = "") -> RawBody:
    """A multipart/form-data body from httpx's encoder. ``parts`` are httpx ``files`` entries
    (``(name, (filename or None, bytes or str[, content type]))``; a None filename makes a plain
    field), so order, repetition and field kinds are ours to choose. ``content_type`` replaces the
    header httpx would send ("" keeps it, None sends none)."""
    request = httpx.Request("POST", "http://hostile.invalid/v2/edit", files=parts)
    body = request.read()
    return RawBody(body, request.headers["content-type"] if content_type == "" else content_type)


def seed_parts(image: bytes | None = None, **fields: str) -> list[tuple[str, tuple]]:
    """The seed's form as parts, with ``fields`` (dots written as ``__``) changed."""
    values = dict(SEED_FIELDS) | {k.replace("__", "."): v for k, v in fields.items()}
    parts = [(k, (None, v)) for k, v in values.items()]
    return ([("imageFile", ("image.png", image, "application/octet-stream"))] if image is not None else []) + parts


def _image(data: Callable[[], bytes], **kwargs) -> Callable[[Profile], UpscaleRequest]:
    return lambda _p: UpscaleRequest(image=data(), **kwargs)


def _field(name: str, value: str) -> Callable[[Profile], UpscaleRequest]:
    """The seed's request for a 40x30 PNG with one more field, or an optional one set to ``value``."""
    def build(_p: Profile) -> UpscaleRequest:
        if name == "upscale.mode":
            return UpscaleRequest(image=im.png(), mode=value)
        if name == "export.format":
            return UpscaleRequest(image=im.png(), export_format=value)
        if name == "upscale.downscaleIfNeeded":
            return UpscaleRequest(image=im.png(), downscale=value)
        return UpscaleRequest(image=im.png(), extra_fields=((name, value),))
    return build


def _raw(body: Callable[[], RawBody], **kwargs) -> Callable[[Profile], UpscaleRequest]:
    return lambda _p: UpscaleRequest(image=None, raw=body(), **kwargs)


def _cut(data: Callable[[], bytes], fraction: float) -> Callable[[], bytes]:
    return lambda: data()[: int(len(data()) * fraction)]


def _over_upload(profile: Profile) -> UpscaleRequest:
    # PNG signature, then incompressible bytes: nothing short of reading it all tells it is junk.
    size = profile.max_upload_bytes + 1
    return UpscaleRequest(image=(im.PNG_SIGNATURE + im.noise_bytes(65_536) * (size // 65_536 + 1))[:size])


def _multipart_cut_short() -> RawBody:
    body = multipart(seed_parts(im.png(64, 48)))
    return RawBody(body.content[: len(body.content) // 2], body.content_type)


def _wrong_boundary() -> RawBody:
    body = multipart(seed_parts(im.png()))
    return RawBody(body.content, "multipart/form-data; boundary=not-the-boundary-of-this-body")


SEED_FORM_JSON = json.dumps(dict(SEED_FIELDS)).encode()

BATTERY: tuple[Hostile, ...] = (
    # --- bytes that are no image, or are cut short
    Hostile("empty-imageFile", "a zero-byte imageFile", REFUSE, _image(lambda: b"")),
    Hostile("png-signature-only", "the 8-byte PNG signature and nothing else", REFUSE,
            _image(lambda: im.PNG_SIGNATURE)),
    Hostile("png-cut-in-header", "a PNG cut inside its IHDR chunk", REFUSE, _image(_cut(im.png, 0.015))),
    Hostile("png-cut-in-half", "a 64x48 PNG cut in half", REFUSE, _image(_cut(lambda: im.png(64, 48), 0.5))),
    Hostile("png-zero-size", "a PNG whose header says 0x0", REFUSE, _image(im.png_zero_size)),
    Hostile("png-wrong-magic", "a PNG whose signature's first byte is wrong", REFUSE,
            _image(lambda: b"\x00" + im.png()[1:])),
    Hostile("jpeg-soi-only", "three bytes of a JPEG start marker", REFUSE, _image(lambda: b"\xff\xd8\xff")),
    Hostile("jpeg-no-scan", "a JPEG cut before its scan: tables and frame header, no pixels", REFUSE,
            _image(im.jpeg_header_only, filename="image.jpg")),
    Hostile("webp-cut-in-half", "a WebP cut in half", REFUSE, _image(_cut(lambda: im.webp(64, 48), 0.5),
                                                                   filename="image.webp")),
    Hostile("webp-riff-only", "a 12-byte RIFF/WEBP header", REFUSE, _image(im.webp_header_only, filename="a.webp")),
    Hostile("text-named-png", "plain text named photo.png, sent as image/png", REFUSE,
            _image(lambda: b"this is a text file, not a picture\n" * 40, filename="photo.png",
                   file_content_type="image/png")),
    Hostile("html-named-jpeg", "an HTML page named photo.jpg", REFUSE,
            _image(lambda: b"<!doctype html><html><body><img src=x onerror=alert(1)></body></html>",
                   filename="photo.jpg", file_content_type="image/jpeg")),
    Hostile("noise-named-webp", "4 KB of random bytes named photo.webp", REFUSE,
            _image(lambda: im.noise_bytes(4096), filename="photo.webp")),
    Hostile("zip-named-png", "a ZIP header named photo.png", REFUSE,
            _image(lambda: b"PK\x03\x04" + im.noise_bytes(2048), filename="photo.png")),
    # --- decompression bombs: headers claiming more pixels than any limit
    Hostile("bomb-png-100000x100000", "a PNG header claiming 100000x100000 (10 gigapixels)", REFUSE,
            _image(lambda: im.png_header_only(100_000, 100_000))),
    Hostile("bomb-png-60000x60000", "a PNG header claiming 60000x60000 (3.6 gigapixels)", REFUSE,
            _image(lambda: im.png_header_only(60_000, 60_000))),
    Hostile("bomb-png-5000x5000-zeros", "a complete 5000x5000 PNG of zeros: 25 KB sent, 25 MP decoded", REFUSE,
            _image(lambda: im.png_of_zeros(5000))),
    Hostile("bomb-png-100000x100000-always", "the 100000x100000 header with downscaleIfNeeded=always", REFUSE,
            _image(lambda: im.png_header_only(100_000, 100_000), downscale="always")),
    Hostile("bomb-jpeg-65000x65000", "a 16x16 JPEG whose frame header claims 65000x65000", REFUSE,
            _image(lambda: im.jpeg_claiming(65_000, 65_000), filename="image.jpg")),
    Hostile("bomb-gif-65535x65535", "a one-pixel GIF claiming 65535x65535", REFUSE,
            _image(lambda: im.gif_claiming(65_535, 65_535), filename="image.gif")),
    Hostile("upload-30mb-plus-1", "an imageFile of 30 MB + 1 byte (31,457,281 bytes)", REFUSE, _over_upload),
    # --- fields: missing, mistyped, unknown, unicode, long
    Hostile("missing-imageFile", "the seed's fields and no imageFile part", REFUSE,
            _raw(lambda: multipart(seed_parts()))),
    Hostile("imageFile-is-text", "imageFile as a plain text field holding text", REFUSE,
            _raw(lambda: multipart([("imageFile", (None, "hello")), *seed_parts()]))),
    Hostile("removeBackground-number", "removeBackground=42 (a boolean is documented)", REFUSE,
            _raw(lambda: multipart(seed_parts(im.png(), removeBackground="42")))),
    Hostile("mode-number", "upscale.mode=42", REFUSE, _field("upscale.mode", "42")),
    Hostile("export-format-unknown", "export.format=bmp", REFUSE, _field("export.format", "bmp")),
    Hostile("downscale-boolean", "upscale.downscaleIfNeeded=true (an enum is documented)", REFUSE,
            _field("upscale.downscaleIfNeeded", "true")),
    Hostile("mode-unicode", "upscale.mode=ai.fäst", REFUSE, _field("upscale.mode", "ai.fäst")),
    Hostile("export-format-emoji", "export.format=🖼️", REFUSE, _field("export.format", "🖼️")),
    Hostile("mode-10000-chars", f"upscale.mode of {LONG:,} characters", REFUSE,
            _field("upscale.mode", "ai." + "f" * (LONG - 3))),
    Hostile("export-format-10000-chars", f"export.format of {LONG:,} characters", REFUSE,
            _field("export.format", "p" * LONG)),
    # --- bodies that are not the seed's multipart form
    Hostile("multipart-wrong-boundary", "a multipart body whose Content-Type names another boundary", REFUSE,
            _raw(_wrong_boundary)),
    Hostile("multipart-cut-short", "a multipart body cut in the middle of its imageFile", REFUSE,
            _raw(_multipart_cut_short)),
    Hostile("json-body", "the seed's fields as a JSON body, no image", REFUSE,
            _raw(lambda: RawBody(SEED_FORM_JSON, "application/json"))),
    Hostile("json-body-malformed", "a JSON body cut after its first brace", REFUSE,
            _raw(lambda: RawBody(b"{", "application/json"))),
    Hostile("urlencoded-body", "the seed's fields urlencoded, no image", REFUSE,
            _raw(lambda: RawBody(urlencode(SEED_FIELDS).encode(), "application/x-www-form-urlencoded"))),
    Hostile("query-string-only", "the seed's fields in the query string and no body", REFUSE,
            _raw(lambda: RawBody(b"", None), params=SEED_FIELDS)),
    # --- inputs that may be valid after all: a 200 must be 4x, a 4xx is recorded
    Hostile("png-bad-crc", "a PNG whose IHDR checksum is wrong", EITHER, _image(im.png_bad_crc)),
    Hostile("png-ztxt-bomb", "a 40x30 PNG with a zTXt chunk inflating to 16 MB", EITHER, _image(im.png_ztxt_bomb)),
    Hostile("jpeg-cut-mid-scan", "a 40x30 JPEG cut at 70 % of its scan", EITHER,
            _image(_cut(im.jpeg, 0.7), filename="image.jpg")),
    Hostile("apng", "an animated PNG of three 40x30 frames", EITHER, _image(im.apng)),
    Hostile("gif-animated", "an animated GIF of three 40x30 frames", EITHER,
            _image(lambda: im.animated("GIF"), filename="image.gif")),
    Hostile("webp-animated", "an animated WebP of three 40x30 frames", EITHER,
            _image(lambda: im.animated("WEBP"), filename="image.webp")),
    Hostile("tiff-multi-page", "a TIFF of three 40x30 pages", EITHER, _image(im.tiff_pages, filename="image.tiff")),
    Hostile("jpeg-cmyk", "a CMYK JPEG", EITHER, _image(im.jpeg_cmyk, filename="image.jpg")),
    Hostile("png-16bit", "a 16-bit greyscale PNG", EITHER, _image(im.png_16bit)),
    Hostile("exif-corrupt", "a square JPEG whose EXIF block is noise", EITHER,
            _image(lambda: im.jpeg_with_exif(im.exif_corrupt()), filename="image.jpg"), lambda _p: ((40, 40),)),
    Hostile("exif-orientation-0", "a square JPEG with EXIF orientation 0 (valid: 1-8)", EITHER,
            _image(lambda: im.jpeg_with_exif(im.exif_orientation(0)), filename="image.jpg"), lambda _p: ((40, 40),)),
    Hostile("exif-orientation-9", "a square JPEG with EXIF orientation 9 (valid: 1-8)", EITHER,
            _image(lambda: im.jpeg_with_exif(im.exif_orientation(9)), filename="image.jpg"), lambda _p: ((40, 40),)),
    Hostile("exif-ifd-loop", "a square JPEG whose EXIF directory points at itself", EITHER,
            _image(lambda: im.jpeg_with_exif(im.exif_ifd_loop()), filename="image.jpg"), lambda _p: ((40, 40),)),
    Hostile("jpeg-named-png", "a JPEG named photo.png, sent as image/png", EITHER,
            _image(im.jpeg, filename="photo.png", file_content_type="image/png")),
    Hostile("filename-unicode", "a PNG named фото-写真-📷.png", EITHER, _image(im.png, filename="фото-写真-📷.png")),
    Hostile("filename-10000-chars", f"a PNG with a filename of {LONG:,} characters", EITHER,
            _image(im.png, filename="p" * (LONG - 4) + ".png")),
    Hostile("filename-path-traversal", "a PNG named ../../../etc/passwd.png", EITHER,
            _image(im.png, filename="../../../etc/passwd.png")),
    Hostile("two-imageFile-parts", "two imageFile parts (40x30, then 24x18)", EITHER,
            _raw(lambda: multipart([("imageFile", ("a.png", im.png(), "image/png")),
                                    ("imageFile", ("b.png", im.png(24, 18), "image/png")), *seed_parts()])),
            lambda _p: ((40, 30), (24, 18))),
    Hostile("imageFile-without-filename", "a PNG as a plain field (no filename)", EITHER,
            _raw(lambda: multipart([("imageFile", (None, im.png())), *seed_parts()]))),
    Hostile("mode-as-file", "upscale.mode=ai.fast sent as a file part", EITHER,
            _raw(lambda: multipart([("imageFile", ("a.png", im.png(), "image/png")),
                                    ("referenceBox", (None, "originalImage")), ("removeBackground", (None, "false")),
                                    ("upscale.mode", ("mode.txt", b"ai.fast", "text/plain"))]))),
    Hostile("mode-twice", "upscale.mode given twice: ai.fast, then ai.slow", EITHER,
            _image(im.png, extra_fields=(("upscale.mode", "ai.slow"),))),
    Hostile("export-format-empty", "export.format given empty", EITHER, _field("export.format", "")),
    Hostile("downscale-empty", "upscale.downscaleIfNeeded given empty", EITHER,
            _field("upscale.downscaleIfNeeded", "")),
    Hostile("unknown-field-10000-chars", f"an unknown field whose value has {LONG:,} characters", EITHER,
            _field("conformance.note", "n" * LONG)),
    Hostile("field-name-10000-chars", f"a field whose name has {LONG:,} characters", EITHER,
            _field("f" * LONG, "1")),
    Hostile("model-header-10000-chars", f"a {MODEL_HEADER} header of {LONG:,} characters", EITHER,
            _image(im.png, model_version="v" * LONG)),
    Hostile("multipart-no-boundary", "a multipart body whose Content-Type has no boundary", EITHER,
            _raw(lambda: multipart(seed_parts(im.png()), "multipart/form-data"))),
)
BY_NAME = {h.name: h for h in BATTERY}
# ``--upscale-quick`` sends one entry of each kind of hostility (the 60000x60000 header among them:
# the client's own defences against giant images are tested with it too).
QUICK = ("empty-imageFile", "png-cut-in-half", "text-named-png", "bomb-png-100000x100000", "bomb-png-60000x60000",
         "missing-imageFile", "mode-unicode", "export-format-10000-chars", "multipart-wrong-boundary", "json-body",
         "query-string-only", "jpeg-cmyk", "gif-animated", "exif-orientation-9", "two-imageFile-parts",
         "multipart-no-boundary")
