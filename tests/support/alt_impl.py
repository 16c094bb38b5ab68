"""A second, deliberately different implementation of the AI Upscale contract, for the project's tests.

It shares nothing with ``upscale_conformance.server`` (no import from the package at all): stdlib
``http.server`` instead of FastAPI, a hand-written multipart splitter instead of python-multipart,
other resamplers, other error texts, other HTTP hygiene (404 for ``GET /v2/edit``, 501 for unknown
methods, ``application/json; charset=utf-8``, extra fields in error bodies). If the suite passes
both servers, it judges the contract rather than one implementation's habits.

Behaviour where the contract leaves a choice (profile pixel-budget-2026):
- ``upscale.downscaleIfNeeded=skipUpscaleIfNotNeeded``: an oversized input is downscaled (as with
  ``always``) only when the 4x result is still at least as large as the input on both axes, i.e.
  the input is at most 16x the limit; otherwise nothing is downscaled and the limit error is sent.
- An unknown ``pr-ai-upscale-model-version`` gets 400. The known version with ``ai.slow`` is
  ignored and named in ``pr-unsupported-attributes``, as are unknown fields, ``removeBackground``
  other than false (this server cannot remove backgrounds) and ``referenceBox`` other than
  ``originalImage``. An empty optional field counts as absent.
- Upload size: an ``imageFile`` over 30 MiB gets 413; so does a body whose Content-Length exceeds
  30 MiB plus 1 MiB for the other form parts, before any of it is read.

Run it: ``python tests/support/alt_impl.py --port 0 --key K [--sampling|--blur|--noise] [--transport T]
[--blank-16bit]``; the first stdout line is the base URL. From Python: ``with serve_alt("K") as url``.
"""

from __future__ import annotations

import argparse
import contextlib
import email.message
import email.parser
import email.policy
import hashlib
import io
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from PIL import Image, ImageCms, ImageFilter, ImageOps

MIB = 1024 * 1024
MAX_IMAGE_BYTES = 30 * MIB  # 31,457,280: "imageFile at most 30 MB"
MAX_BODY_BYTES = MAX_IMAGE_BYTES + MIB  # room for the text parts and part headers
DRAIN_LIMIT = 64 * MIB  # a refused body up to this size is read and dropped, so the client sees our answer
DECODE_LIMIT = 100_000_000  # pixels; past it the image is not decoded at all, even for `always`
LIMITS = {"ai.fast": 1_000_000, "ai.slow": 262_144}  # pixel budget, judged on the oriented size
NEW_FAST = "ai-upscale-2025-07-29"
DOWNSCALE = ("never", "always", "skipUpscaleIfNotNeeded")
EXPORTS = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "webp": "image/webp", "avif": "image/avif"}
INPUT_FORMATS = ["JPEG", "PNG", "WEBP", "GIF", "BMP", "AVIF"]  # Image.open tries only these (JPEG covers MPO)
JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Options:
    key: str = "alt-key"
    sampling: bool = False  # +-2 levels of fresh noise per pixel and channel: a legitimate non-deterministic model
    blur: bool = False  # wrong on purpose: a soft output
    noise: bool = False  # wrong on purpose: +-20 levels of noise
    transport: str = "none"  # none | 429 | 503 | slow
    blank_16bit: bool = False  # wrong on purpose: 16-bit grey read as if it were 8-bit (clips to white)


@dataclass
class State:
    """Counters shared by the handler threads."""

    requests: int = 0  # POST /v2/edit received, retries and refusals included (GET /health reports it)
    fresh: int = 0  # requests that were not a retry of a troubled one
    troubled: set = field(default_factory=set)  # fingerprints answered 429/503 whose retry must pass
    lock: threading.Lock = field(default_factory=threading.Lock)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


# --- multipart: split on the delimiter, let the email package read each part's headers ---------------


def parse_form(content_type: str, body: bytes) -> dict[str, bytes]:
    """Form parts by name (the first of a repeated name wins). RFC 7578 / RFC 2046 framing."""
    header = email.message.Message()
    header["content-type"] = content_type
    if header.get_content_type() != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type", f"expected a multipart/form-data body, got {content_type!r}")
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise ApiError(400, "malformed_body", "the multipart body declares no boundary")
    # Every delimiter is CRLF--boundary; a CRLF in front lets the first one (at offset 0) match too.
    chunks = (b"\r\n" + body).split(b"\r\n--" + boundary.encode("latin-1"))
    if len(chunks) < 2 or not chunks[-1].startswith(b"--"):
        raise ApiError(400, "malformed_body", "the multipart body is not closed by its final boundary")
    parts: dict[str, bytes] = {}
    for chunk in chunks[1:-1]:
        _, newline, rest = chunk.partition(b"\r\n")  # the rest of the delimiter line (transport padding)
        head, blank, content = (b"", b"", rest[2:]) if rest.startswith(b"\r\n") else rest.partition(b"\r\n\r\n")
        if not newline or (head and not blank):
            raise ApiError(400, "malformed_body", "a multipart part has no header/content separator")
        headers = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + b"\r\n\r\n", headersonly=True)
        name = headers.get_param("name", header="content-disposition")
        if isinstance(name, str):
            parts.setdefault(name, content)
    return parts


# --- pixels -------------------------------------------------------------------------------------------


def decode(data: bytes) -> Image.Image:
    """The picture as a user sees it (EXIF orientation applied), loaded."""
    try:
        im = Image.open(io.BytesIO(data), formats=INPUT_FORMATS)
        if im.width * im.height > DECODE_LIMIT:
            raise ApiError(400, "image_too_large", f"{im.width}x{im.height} is too large to decode at all")
        im.load()
        return ImageOps.exif_transpose(im)
    except ApiError:
        raise
    except Exception as exc:  # every decoder failure is the client's bytes, never a 500
        raise ApiError(400, "invalid_image", f"imageFile is not a readable image ({type(exc).__name__})") from None


def to_working(im: Image.Image, blank_16bit: bool) -> Image.Image:
    """RGB or RGBA, 8 bits, sRGB: what the resamplers work on."""
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        levels = np.asarray(im, dtype=np.float64)
        # A 16-bit PNG spans 0-65535; Pillow's own convert("L") clips at 255 (the planted fault does that).
        grey = np.clip(levels, 0, 255) if blank_16bit else np.clip(np.rint(levels / 257.0), 0, 255)
        return Image.fromarray(grey.astype(np.uint8), "L").convert("RGB")
    alpha = "A" in im.getbands() or (im.mode == "P" and "transparency" in im.info)
    icc = im.info.get("icc_profile")
    if icc and im.mode in ("RGB", "RGBA", "CMYK", "L", "LA"):
        with contextlib.suppress(Exception):  # a broken profile: fall back to the plain conversion below
            colour = im.convert({"RGBA": "RGB", "LA": "L"}.get(im.mode, im.mode))
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            srgb = ImageCms.profileToProfile(colour, src, ImageCms.createProfile("sRGB"), outputMode="RGB")
            if alpha:
                srgb.putalpha(im.getchannel("A"))
            return srgb
    return im.convert("RGBA" if alpha else "RGB")


def resample(im: Image.Image, size: tuple[int, int], mode: str, version: str | None) -> Image.Image:
    """Three 'models': plain Lanczos (classic fast), bicubic + unsharp mask (new fast), plain bicubic (slow).

    Pillow premultiplies alpha while resizing RGBA; the sharpening touches colour only, never alpha.
    """
    if mode == "ai.slow":
        return im.resize(size, Image.Resampling.BICUBIC)
    if version != NEW_FAST:
        return im.resize(size, Image.Resampling.LANCZOS)
    return on_colour(im.resize(size, Image.Resampling.BICUBIC),
                     lambda rgb: rgb.filter(ImageFilter.UnsharpMask(radius=2, percent=150, threshold=0)))


def on_colour(im: Image.Image, edit) -> Image.Image:
    """Apply ``edit`` to the RGB channels and keep alpha as it is."""
    if im.mode != "RGBA":
        return edit(im)
    out = edit(im.convert("RGB"))
    out.putalpha(im.getchannel("A"))
    return out


def add_noise(rgb: Image.Image, amplitude: int) -> Image.Image:
    """Independent uniform integer noise in [-amplitude, amplitude] per pixel and channel, fresh each call."""
    levels = np.asarray(rgb, dtype=np.int16)
    levels += np.random.default_rng().integers(-amplitude, amplitude + 1, levels.shape, dtype=np.int16)
    return Image.fromarray(np.clip(levels, 0, 255).astype(np.uint8), "RGB")


def fit(width: int, height: int, budget: int) -> tuple[int, int]:
    """The largest size of this aspect ratio with width*height <= budget (floors keep it inside)."""
    scale = (budget / (width * height)) ** 0.5
    w, h = max(1, int(width * scale)), max(1, int(height * scale))
    while w * h > budget:  # float rounding at the edge
        w, h = (w - 1, h) if w >= h else (w, h - 1)
    return w, h


def encode(im: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt in ("jpeg", "jpg"):
        if im.mode == "RGBA":  # JPEG has no alpha: what a viewer shows over white
            im = Image.alpha_composite(Image.new("RGBA", im.size, "white"), im).convert("RGB")
        im.save(out, "JPEG", quality=80)
    elif fmt == "webp":
        im.save(out, "WEBP", quality=90, method=3)
    elif fmt == "avif":
        im.save(out, "AVIF", quality=90, speed=8)
    else:  # 4000x4000 outputs are normal here: fast zlib level, not the smallest file
        im.save(out, "PNG", compress_level=1)
    return out.getvalue()


# --- the edit itself: form fields in, (image bytes, content type, response headers) out ----------------


# name: (accepted values, value when absent or empty); an empty optional field means "not given".
CHOICES = {
    "upscale.mode": (tuple(LIMITS), None),
    "export.format": (tuple(EXPORTS), "png"),
    "upscale.downscaleIfNeeded": (DOWNSCALE, "never"),
    "removeBackground": (("true", "false"), "true"),  # the vendor's default is true
    "referenceBox": (None, "originalImage"),  # any value
}


def choice(parts: dict[str, bytes], name: str) -> str:
    allowed, default = CHOICES[name]
    try:
        value = parts.get(name, b"").decode("utf-8") or default
    except UnicodeDecodeError:
        value = None
    if allowed is not None and value not in allowed:
        raise ApiError(400, "invalid_field", f"{name} must be one of {', '.join(allowed)}; got {value!r}", field=name)
    return value


def edit(parts: dict[str, bytes], version: str | None, opts: Options) -> tuple[bytes, str, dict[str, str]]:
    ignored = sorted(set(parts) - set(CHOICES) - {"imageFile"})
    mode, fmt, downscale = (choice(parts, n) for n in ("upscale.mode", "export.format", "upscale.downscaleIfNeeded"))
    if choice(parts, "removeBackground") == "true":
        ignored.append("removeBackground")  # no background removal here: a pure upscale, and we say so
    if choice(parts, "referenceBox") != "originalImage":
        ignored.append("referenceBox")
    if version is not None and version != NEW_FAST:
        raise ApiError(400, "unknown_model_version", f"model version {version!r} does not exist",
                       field="pr-ai-upscale-model-version")
    if version is not None and mode != "ai.fast":
        ignored.append("pr-ai-upscale-model-version")
    if "imageFile" not in parts or not parts["imageFile"]:
        raise ApiError(400, "missing_image", "imageFile is required and must not be empty", field="imageFile")
    if len(parts["imageFile"]) > MAX_IMAGE_BYTES:
        raise ApiError(413, "payload_too_large", f"imageFile is {len(parts['imageFile']):,} bytes; "
                       f"the most is {MAX_IMAGE_BYTES:,}")

    picture = decode(parts["imageFile"])
    budget, (w, h) = LIMITS[mode], picture.size
    fitted = fit(w, h, budget) if w * h > budget else None
    # skipUpscaleIfNotNeeded: downscale only when 4x the fitted size still covers the input on both axes.
    skip_ok = downscale == "skipUpscaleIfNotNeeded" and fitted is not None and 4 * fitted[0] >= w and 4 * fitted[1] >= h
    if fitted is not None and downscale != "always" and not skip_ok:
        raise ApiError(400, "image_too_large", f"{mode} takes at most {budget:,} input pixels; this image has "
                       f"{w}x{h} = {w * h:,}", limitPixels=budget, width=w, height=h)
    work = to_working(picture, opts.blank_16bit)  # before any resize: Pillow resizes palette images nearest-only
    if fitted is not None:
        work = work.resize(fitted, Image.Resampling.LANCZOS)
    out = resample(work, (work.width * 4, work.height * 4), mode, version if mode == "ai.fast" else None)
    if opts.blur:
        out = on_colour(out, lambda rgb: rgb.filter(ImageFilter.GaussianBlur(2)))
    if opts.sampling or opts.noise:
        out = on_colour(out, lambda rgb: add_noise(rgb, 20 if opts.noise else 2))
    headers = {"pr-unsupported-attributes": ", ".join(ignored)} if ignored else {}
    return encode(out, fmt), EXPORTS[fmt], headers


def fingerprint(parts: dict[str, bytes], version: str | None) -> str:
    """The same request again has the same fingerprint (multipart boundaries differ between sends)."""
    digest = hashlib.sha256(repr(version).encode())
    for name in sorted(parts):
        digest.update(b"%d:%s=%d:" % (len(name), name.encode(), len(parts[name])) + parts[name])
    return digest.hexdigest()


# --- HTTP ------------------------------------------------------------------------------------------------


class Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung client never blocks shutdown

    def __init__(self, port: int, opts: Options):
        super().__init__(("127.0.0.1", port), Handler)
        self.opts, self.state = opts, State()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every answer carries Content-Length
    disable_nagle_algorithm = True  # head and body are two writes: with Nagle, 40 ms per kept-alive request
    server_version = "alt-upscale/1"
    timeout = 60  # seconds of client silence before the connection is dropped
    server: Server

    def handle_one_request(self) -> None:
        """Like the stdlib's, but the dispatch is ours: unknown methods get a JSON 501 and GET /v2/edit a 404."""
        try:
            self.request_id = uuid.uuid4().hex
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline:
                self.close_connection = True
                return
            if len(self.raw_requestline) > 65536:
                self.command, self.request_version = "", "HTTP/1.0"
                self.fail(414, "uri_too_long", "the request line is too long", close=True)
                return
            if not self.parse_request():  # it answered (through send_error) already
                return
            dispatch = {"GET": self.do_GET, "HEAD": self.do_GET, "POST": self.do_POST}.get(self.command)
            if dispatch is None:
                self.drop_body()
                self.fail(501, "not_implemented", f"method {self.command} is not implemented here",
                          {"Allow": "GET, HEAD, POST"})
            else:
                dispatch()
            self.wfile.flush()
        except (TimeoutError, ConnectionError):
            self.close_connection = True

    def log_message(self, format, *args) -> None:  # quiet: tests read stdout for the URL only
        pass

    def send_error(self, code, message=None, explain=None) -> None:
        """The stdlib's parse errors (400, 431, 505...) answered in this server's JSON shape."""
        self.fail(code, "bad_http", message or "the HTTP request could not be parsed", close=True)

    def answer(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {"Content-Type": content_type, "Content-Length": str(len(body)),
                            "x-request-id": self.request_id, **(headers or {})}.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def fail(self, status: int, code: str, message: str, headers: dict | None = None, close: bool = False,
             **extra) -> None:
        self.close_connection = self.close_connection or close
        if status in (429, 503):  # transport trouble: tell the client when to come back
            headers = {"Retry-After": "1", **(headers or {})}
        error = {"message": message, "code": code, "requestId": self.request_id, **extra}
        self.answer(status, json.dumps({"error": error}).encode(), JSON_TYPE, headers)

    def drop_body(self) -> None:
        """Read and forget an unwanted body (so the client gets to read our answer), or hang up if it is huge."""
        length = self.headers.get("Content-Length")
        if length is None and "Transfer-Encoding" not in self.headers:
            return  # no body at all
        if length is None or not length.isdigit() or int(length) > DRAIN_LIMIT:
            self.close_connection = True
            return
        left = int(length)
        while left > 0:
            chunk = self.rfile.read(min(left, MIB))
            if not chunk:
                break
            left -= len(chunk)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/health":
            with self.server.state.lock:
                count = self.server.state.requests
            self.answer(200, json.dumps({"requests": count}).encode(), JSON_TYPE)
        else:
            self.fail(404, "not_found", f"no resource at {path} for {self.command}")

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        if path != "/v2/edit":
            self.drop_body()
            self.fail(404, "not_found", f"no resource at {path} for POST")
            return
        state, opts = self.server.state, self.server.opts
        with state.lock:
            state.requests += 1
        try:
            self.edit_request(state, opts)
        except ApiError as exc:
            self.fail(exc.status, exc.code, exc.message, **exc.extra)
        except Exception as exc:  # a bug of ours: say so as a 500, never a dropped connection
            self.fail(500, "internal", f"the upscale failed: {type(exc).__name__}")

    def edit_request(self, state: State, opts: Options) -> None:
        if self.headers.get("x-api-key") != opts.key:
            self.drop_body()
            raise ApiError(401, "unauthorized", "a valid x-api-key header is required")
        length = self.headers.get("Content-Length", "")
        if not length.isdigit():
            self.close_connection = True
            raise ApiError(411, "length_required", "send the body with a Content-Length")
        if int(length) > MAX_BODY_BYTES:
            self.drop_body()
            raise ApiError(413, "payload_too_large", f"the body is {int(length):,} bytes; imageFile may be at most "
                           f"{MAX_IMAGE_BYTES:,}")
        body = self.rfile.read(int(length))
        parts = parse_form(self.headers.get("Content-Type", ""), body)
        version = self.headers.get("pr-ai-upscale-model-version") or None
        self.transport_trouble(state, opts, fingerprint(parts, version))
        image, content_type, headers = edit(parts, version, opts)
        self.answer(200, image, content_type, headers)

    def transport_trouble(self, state: State, opts: Options, print_: str) -> None:
        """Every third fresh request: the first attempt gets 429/503 (its retry passes), or a slow answer."""
        if opts.transport == "none":
            return
        with state.lock:
            if print_ in state.troubled:  # the retry of a request we refused: let it through
                state.troubled.discard(print_)
                return
            state.fresh += 1
            due = state.fresh % 3 == 0
            if due and opts.transport in ("429", "503"):
                state.troubled.add(print_)
        if not due:
            return
        if opts.transport == "slow":
            time.sleep(1.5)
        elif opts.transport == "429":
            raise ApiError(429, "rate_limited", "too many requests, retry after 1 s", retryAfter=1)
        else:
            raise ApiError(503, "unavailable", "temporarily overloaded, retry after 1 s", retryAfter=1)


# --- running it ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="An alternative AI Upscale server for the project's tests.")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (the URL is printed first)")
    parser.add_argument("--key", default="alt-key", help="the only x-api-key accepted")
    parser.add_argument("--sampling", action="store_true", help="+-2 levels of fresh noise on every output")
    parser.add_argument("--blur", action="store_true", help="wrong: blur every output")
    parser.add_argument("--noise", action="store_true", help="wrong: +-20 levels of noise on every output")
    parser.add_argument("--transport", choices=("none", "429", "503", "slow"), default="none")
    parser.add_argument("--blank-16bit", action="store_true", help="wrong: 16-bit grey input comes back white")
    args = parser.parse_args(argv)
    opts = Options(args.key, args.sampling, args.blur, args.noise, args.transport, args.blank_16bit)
    server = Server(args.port, opts)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(poll_interval=0.2)
    server.server_close()


@contextlib.contextmanager
def serve_alt(key: str = "alt-key", *, sampling: bool = False, blur: bool = False, noise: bool = False,
              transport: str = "none", blank_16bit: bool = False, port: int = 0,
              startup_timeout: float = 30.0) -> Iterator[str]:
    """Start the server in a subprocess, yield its base URL once /health answers, and kill it afterwards."""
    argv = [sys.executable, os.path.abspath(__file__), "--port", str(port), "--key", key, "--transport", transport]
    argv += [flag for flag, on in (("--sampling", sampling), ("--blur", blur), ("--noise", noise),
                                   ("--blank-16bit", blank_16bit)) if on]
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.DEVNULL)
        try:
            url = _wait_until_up(proc, startup_timeout)
            if url is None:
                errors.seek(0)
                raise RuntimeError(f"alt_impl did not start (exit {proc.poll()}): "
                                   f"{errors.read().decode(errors='replace')[-2000:]}")
            yield url
        finally:
            proc.kill()
            proc.wait(10)
            proc.stdout.close()


NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback never goes through a proxy


def _wait_until_up(proc: subprocess.Popen, timeout: float) -> str | None:
    deadline = time.monotonic() + timeout
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline().decode().strip() if ready else ""
    if not line.startswith("http://"):
        return None
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with NO_PROXY.open(f"{line}/health", timeout=2) as reply:
                if reply.status == 200:
                    return line
        except OSError:
            time.sleep(0.05)
    return None


if __name__ == "__main__":
    main()
