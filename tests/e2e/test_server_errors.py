"""Every client mistake gets a 4xx with {"error": {"message": ...}}, never a 5xx; auth, the upload
cap, decompression bombs, ignored attributes and back-pressure (429)."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zlib

import httpx
import pytest
from PIL import Image, ImageFile

from upscale_conformance.contract import load_profile
from upscale_conformance.robustness.inputs import PNG_SIGNATURE, chunk

PROFILE = load_profile("pixel-budget-2026")


def error_message(r: httpx.Response) -> str:
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]["message"]


@pytest.fixture
def small_png(make_picture, encode_image):
    return encode_image(make_picture(12, 8), "PNG")


# --- auth ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, ""])
def test_a_missing_key_gets_the_auth_status(key, server_url, edit, small_png):
    r = edit(server_url, small_png, key=key)
    assert r.status_code == PROFILE.status("auth")[0]
    assert "x-api-key" in error_message(r)


def test_any_non_empty_key_is_accepted_by_default(server_url, edit, small_png):
    assert edit(server_url, small_png, key="whatever-key").status_code == 200


def test_a_pinned_key_refuses_every_other_key(local_server, edit, small_png):
    url = local_server(api_key="sk_pinned_42")
    wrong = edit(url, small_png, key="sk_pinned_43")
    assert wrong.status_code == PROFILE.status("auth")[0]
    assert "sk_pinned" not in wrong.text  # the answer never echoes a key
    assert error_message(wrong) == "invalid API key"
    assert edit(url, small_png, key="sk_pinned_42").status_code == 200


# --- form errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fields,mode,words", [
    ({}, "ai.medium", "upscale.mode"),
    ({}, None, "upscale.mode"),
    ({"removeBackground": None}, "ai.fast", "only upscales"),
    ({"removeBackground": "true"}, "ai.fast", "only upscales"),
    ({"removeBackground": "maybe"}, "ai.fast", "removeBackground"),
    ({"export.format": "gif"}, "ai.fast", "export.format"),
])
def test_bad_form_values_are_400(fields, mode, words, server_url, edit, small_png):
    r = edit(server_url, small_png, mode, fields=fields)
    assert r.status_code == 400
    assert words in error_message(r)


def test_unknown_mode_uses_the_profile_status(server_url, edit, small_png):
    assert edit(server_url, small_png, "ai.turbo").status_code == PROFILE.status("unknown_mode")[0]


def test_an_unknown_model_version_is_400(server_url, edit, small_png):
    r = edit(server_url, small_png, headers={"pr-ai-upscale-model-version": "ai-upscale-1999-01-01"})
    assert r.status_code == 400
    assert "ai-upscale-2025-07-29" in error_message(r)  # the message names the known versions


def test_the_model_header_with_ai_slow_is_reported_as_ignored(server_url, edit, small_png):
    r = edit(server_url, small_png, "ai.slow", headers={"pr-ai-upscale-model-version": "ai-upscale-2025-07-29"})
    assert r.status_code == 200
    assert "pr-ai-upscale-model-version" in r.headers["pr-unsupported-attributes"]


def test_missing_or_empty_image_file_is_400(server_url, edit):
    assert "imageFile is missing" in error_message(edit(server_url, None))
    assert "imageFile is empty" in error_message(edit(server_url, b""))


@pytest.mark.parametrize("data", [b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
                                  b"GIF89a" + b"\x00" * 40])
def test_undecodable_bytes_are_400(data, server_url, edit):
    r = edit(server_url, data)
    assert r.status_code == 400
    assert "PNG, JPEG or WebP" in error_message(r)


def test_a_truncated_image_is_400(server_url, edit, make_picture, encode_image):
    data = encode_image(make_picture(64, 64), "PNG")
    r = edit(server_url, data[: len(data) // 2])
    assert r.status_code == 400
    assert "could not be decoded" in error_message(r)


def test_a_gif_is_not_an_accepted_input(server_url, edit, make_picture, encode_image):
    r = edit(server_url, encode_image(make_picture(8, 8), "GIF"))
    assert r.status_code == 400


def test_a_repeated_field_is_400(server_url, small_png):
    files = [("imageFile", ("a.png", small_png)), ("upscale.mode", (None, "ai.fast")),
             ("upscale.mode", (None, "ai.slow")), ("removeBackground", (None, "false"))]
    r = httpx.post(f"{server_url}/v2/edit", files=files, headers={"x-api-key": "k"})
    assert r.status_code == 400
    assert "more than once" in error_message(r)


# --- transport-level mistakes ------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_wrong_method_is_a_json_405(method, server_url):
    r = httpx.request(method, f"{server_url}/v2/edit", headers={"x-api-key": "k"})
    assert r.status_code == 405
    error_message(r)


def test_unknown_path_is_a_json_404(server_url):
    r = httpx.post(f"{server_url}/v1/segment", headers={"x-api-key": "k"})
    assert r.status_code == 404
    error_message(r)


@pytest.mark.parametrize("content_type,body", [
    ("application/json", b'{"upscale.mode": "ai.fast"}'),
    ("application/x-www-form-urlencoded", b"upscale.mode=ai.fast&removeBackground=false"),
    ("multipart/form-data", b"--x\r\n"),  # no boundary parameter
    (None, b""),
])
def test_a_body_that_is_not_multipart_is_400(content_type, body, server_url):
    headers = {"x-api-key": "k"} | ({"content-type": content_type} if content_type else {})
    r = httpx.post(f"{server_url}/v2/edit", content=body, headers=headers)
    assert r.status_code == 400
    assert "multipart/form-data" in error_message(r)


@pytest.mark.parametrize("body", [
    b"this is not multipart at all",
    b'--XYZ\r\nContent-Disposition: form-data; name="upscale.mode"\r\n\r\nai.fast',  # truncated
    b"--XYZ\r\nContent-Type: text/plain\r\n\r\nno name\r\n--XYZ--\r\n",  # a part without a name
    b'--XYZ\r\nContent-Disposition: form-data; name="a"\r\n' + b"X-Long: " + b"h" * 10000 + b"\r\n\r\nv\r\n--XYZ--\r\n",
])
def test_a_malformed_multipart_body_is_400(body, server_url):
    r = httpx.post(f"{server_url}/v2/edit", content=body,
                   headers={"x-api-key": "k", "content-type": "multipart/form-data; boundary=XYZ"})
    assert r.status_code == 400
    assert "multipart" in error_message(r)


# --- the 30 MB upload cap ----------------------------------------------------------------------------


def oversized_upload(extra: int = 1) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\0" * (PROFILE.max_upload_bytes + extra)


@pytest.mark.parametrize("extra", [1, 4 * 1024 * 1024])  # the part just over; the whole body over
def test_an_upload_over_30_mb_is_refused(extra, server_url, edit):
    r = edit(server_url, oversized_upload(extra))
    assert r.status_code in PROFILE.status("too_large_upload")
    assert "30 MB" in error_message(r)


def test_a_chunked_upload_is_capped_while_it_streams(server_url):
    """No Content-Length: the cap must hold while reading, not only on the declared size."""
    boundary = b"cap"

    def body():
        yield b'--cap\r\nContent-Disposition: form-data; name="imageFile"; filename="a.png"\r\n\r\n'
        for _ in range(40):
            yield b"\0" * (1024 * 1024)
        yield b"\r\n--cap--\r\n"

    r = httpx.post(f"{server_url}/v2/edit", content=body(), timeout=60,
                   headers={"x-api-key": "k", "content-type": f"multipart/form-data; boundary={boundary.decode()}"})
    assert r.status_code in PROFILE.status("too_large_upload")
    error_message(r)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_waiting_for_100_continue_is_refused_before_it_uploads(server_url, tmp_path):
    big = tmp_path / "big.png"
    big.write_bytes(oversized_upload(4 * 1024 * 1024))
    done = subprocess.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code} %{size_upload}", "-H", "x-api-key: k",
                           "-F", f"imageFile=@{big}", "-F", "upscale.mode=ai.fast", "-F", "removeBackground=false",
                           f"{server_url}/v2/edit"], capture_output=True, text=True, timeout=60)
    body, status_line = done.stdout.rsplit("\n", 1)
    status, uploaded = status_line.split()
    assert int(status) in PROFILE.status("too_large_upload")
    assert float(uploaded) < PROFILE.max_upload_bytes / 2  # the 30 MB never had to travel
    assert "30 MB" in body


# --- decompression bombs -------------------------------------------------------------------------------


def bomb_png(side: int) -> bytes:
    """A real, valid 1-bit PNG of side x side pixels that compresses to almost nothing."""
    row = b"\0" + b"\0" * ((side + 7) // 8)
    z = zlib.compressobj(9)
    data = b"".join(z.compress(row) for _ in range(side)) + z.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def bomb():
    data = bomb_png(12_000)  # 144 MP: under Pillow's own refusal, so only the server's check stops it
    assert len(data) < 1_000_000
    with pytest.warns(Image.DecompressionBombWarning), Image.open(io.BytesIO(data)) as im:
        assert im.size == (12_000, 12_000)
    return data


def never_decode(monkeypatch):
    """Make any pixel decode fail loudly: the server (in a thread of this process) must refuse from the header."""
    def load(self):
        raise AssertionError(f"decoded a {self.size} image")
    monkeypatch.setattr(ImageFile.ImageFile, "load", load)


def test_a_bomb_is_refused_from_its_header(bomb, server_url, edit, monkeypatch):
    never_decode(monkeypatch)
    r = edit(server_url, bomb)
    assert r.status_code == PROFILE.status("over_limit")[0]
    assert "12000x12000" in error_message(r)


def test_a_bomb_is_refused_even_when_downscaling_is_allowed(bomb, server_url, edit, monkeypatch):
    never_decode(monkeypatch)
    r = edit(server_url, bomb, fields={"upscale.downscaleIfNeeded": "always"})
    assert r.status_code == 400
    assert "decodes at most" in error_message(r)


# --- ignored attributes and back-pressure ------------------------------------------------------------


def test_ignored_attributes_are_listed(server_url, edit, small_png):
    r = httpx.post(f"{server_url}/v2/edit?upscale.mode=ai.slow", headers={"x-api-key": "k"},
                   data={"referenceBox": "originalImage", "removeBackground": "false", "upscale.mode": "ai.fast",
                         "background.color": "red"},
                   files={"imageFile": ("a.png", small_png)})
    assert r.status_code == 200
    listed = [name.strip() for name in r.headers["pr-unsupported-attributes"].split(",")]
    assert listed == ["referenceBox", "background.color", "upscale.mode"]


def test_a_field_name_no_header_can_carry_is_listed_percent_encoded(server_url, small_png):
    r = httpx.post(f"{server_url}/v2/edit", headers={"x-api-key": "k"},
                   data={"removeBackground": "false", "upscale.mode": "ai.fast", "naïve✓": "1"},
                   files={"imageFile": ("a.png", small_png)})
    assert r.status_code == 200
    assert r.headers["pr-unsupported-attributes"] == "na%C3%AFve%E2%9C%93"


def test_no_header_when_nothing_is_ignored(server_url, edit, small_png):
    r = edit(server_url, small_png, seed_form=False, fields={"removeBackground": "false"})
    assert r.status_code == 200
    assert "pr-unsupported-attributes" not in r.headers


def test_ignored_attributes_are_listed_on_errors_too(server_url, edit, small_png):
    r = edit(server_url, small_png, "ai.nope")
    assert r.status_code == 400
    assert r.headers["pr-unsupported-attributes"] == "referenceBox"


def test_a_saturated_server_answers_429_with_retry_after(local_server, edit, small_png):
    url = local_server(fresh=True, workers=1, queue=0)
    gate = url.app.state.server.gate
    assert gate.try_enter()  # plays a request that holds the only slot
    try:
        r = edit(url, small_png)
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert "busy" in error_message(r)
    finally:
        gate.leave()
    assert edit(url, small_png).status_code == 200


# --- unexpected exceptions -----------------------------------------------------------------------------


def test_an_unexpected_error_while_parsing_is_still_a_json_400(monkeypatch, local_server, edit, small_png):
    from upscale_conformance.server import app as server_app

    def broken_parser(body, boundary):
        raise RuntimeError("a parser bug")

    monkeypatch.setattr(server_app, "parse_form", broken_parser)
    r = edit(local_server(fresh=True), small_png)
    assert r.status_code == 400
    assert "could not be parsed" in error_message(r)


def test_a_bug_in_the_image_work_is_a_json_500_not_a_hang(monkeypatch, local_server, edit, small_png):
    from upscale_conformance.server import pipeline

    def broken_encoder(im, fmt):
        raise RuntimeError("an encoder bug")

    monkeypatch.setattr(pipeline.imageio, "encode", broken_encoder)
    r = edit(local_server(fresh=True), small_png)
    assert r.status_code == 500
    assert "internal server error" in error_message(r)
