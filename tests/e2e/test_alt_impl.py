"""The second implementation of the contract (``tests/support/alt_impl.py``) over HTTP, through real
servers started by ``serve_alt``: routes, methods, auth, client mistakes, upload size, its sampling and
fault switches, transport trouble, explicit ports. Its pixel work in process: tests/unit/test_alt_impl.py.
"""

from __future__ import annotations

import json
import socket

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.support import alt_impl
from tests.support.alt_impl import serve_alt
from tests.support.pictures import KEY, encode, opened, picture, run_edit


def post(url: str, image: bytes | None, mode: str | None = "ai.fast", key: str | None = KEY, headers=None,
         **fields) -> httpx.Response:
    form = {"referenceBox": "originalImage", "removeBackground": "false", **({"upscale.mode": mode} if mode else {})}
    form.update({k.replace("_", "."): v for k, v in fields.items()})
    files = [(k, (None, v)) for k, v in form.items()]
    if image is not None:
        files.insert(0, ("imageFile", ("image.png", image, "application/octet-stream")))
    all_headers = {**({"x-api-key": key} if key is not None else {}), **(headers or {})}
    return httpx.post(f"{url}/v2/edit", files=files, headers=all_headers, timeout=60)


def error_of(response: httpx.Response) -> dict:
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    error = response.json()["error"]
    assert isinstance(error["message"], str) and error["code"] and error["requestId"]
    return error


@pytest.fixture(scope="module")
def url():
    with serve_alt(KEY) as base:
        yield base


# --- HTTP, against a subprocess ------------------------------------------------------------------------


def test_a_request_over_http_answers_4x_and_is_counted(url):
    before = httpx.get(f"{url}/health").json()["requests"]
    response = post(url, encode(picture(30, 20)))
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert opened(response.content).size == (120, 80)
    assert httpx.get(f"{url}/health").json() == {"requests": before + 1}


def test_routes_and_methods(url):
    for response in (httpx.get(f"{url}/v2/edit"), httpx.get(f"{url}/nowhere"), httpx.post(f"{url}/v1/edit")):
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    for method in ("TRACE", "PATCH", "QUERY", "DELETE"):
        response = httpx.request(method, f"{url}/v2/edit")
        assert response.status_code == 501 and error_of(response)


def test_a_missing_or_wrong_key_is_refused(url):
    for key in (None, "wrong"):
        response = post(url, encode(picture(8, 8)), key=key)
        assert response.status_code == 401 and error_of(response)["code"] == "unauthorized"


def test_client_mistakes_get_400_or_415(url):
    small = encode(picture(16, 12))
    cases = [post(url, small, mode="ai.medium"), post(url, small, mode=None), post(url, None),
             post(url, b"no image here" * 20), post(url, small[:100]), post(url, small, export_format="gif"),
             post(url, small, upscale_downscaleIfNeeded="sometimes"),
             post(url, small, headers={"pr-ai-upscale-model-version": "latest"})]
    assert [r.status_code for r in cases] == [400] * len(cases)
    assert all(error_of(r) for r in cases)
    not_multipart = httpx.post(f"{url}/v2/edit", json={"upscale.mode": "ai.fast"}, headers={"x-api-key": KEY})
    assert not_multipart.status_code == 415 and error_of(not_multipart)


def test_an_upload_over_30_mib_gets_413(url):
    body = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * (alt_impl.MAX_IMAGE_BYTES // 256 + 16)
    response = post(url, body)
    assert response.status_code == 413 and error_of(response)["code"] == "payload_too_large"
    assert post(url, encode(picture(8, 8))).status_code == 200  # the server is still fine


def test_sampling_outputs_differ_by_at_most_two_levels():
    data = encode(picture(40, 30, alpha=True))
    with serve_alt(KEY, sampling=True) as base:
        first, second = (opened(post(base, data).content) for _ in range(2))
    a, b = np.asarray(first, np.int16), np.asarray(second, np.int16)
    assert np.abs(a[..., :3] - b[..., :3]).max() <= 4 and (a[..., :3] != b[..., :3]).mean() > 0.5
    assert np.array_equal(a[..., 3], b[..., 3])  # alpha is never noised
    clean, _ = run_edit(data)
    assert np.abs(a[..., :3] - np.asarray(clean, np.int16)[..., :3]).max() <= 2


def test_blank_16bit_fault_whitens_16bit_grey_only():
    grey = np.asarray(picture(40, 30).convert("L"), dtype=np.uint16) * 257
    sixteen, eight = encode(Image.fromarray(grey)), encode(picture(40, 30))
    with serve_alt(KEY, blank_16bit=True) as base:
        blank, fine = opened(post(base, sixteen).content), opened(post(base, eight).content)
    assert blank.size == (160, 120) and np.asarray(blank.convert("L")).mean() > 245
    assert np.asarray(fine.convert("L")).mean() < 200


def test_429_trouble_hits_every_third_request_once():
    with serve_alt(KEY, transport="429") as base:
        answers = [post(base, encode(picture(8 + i, 8))) for i in range(3)]
        retried = post(base, encode(picture(10, 8)))
    assert [r.status_code for r in answers] == [200, 200, 429]
    assert answers[2].headers["retry-after"] == "1" and error_of(answers[2])["code"] == "rate_limited"
    assert retried.status_code == 200


def test_explicit_ports_one_after_the_other():
    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    first, second = free_port(), free_port()
    for port in (first, second):
        with serve_alt(KEY, port=port) as base:
            assert base == f"http://127.0.0.1:{port}"
            assert json.loads(httpx.get(f"{base}/health").content) == {"requests": 0}
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{second}/health")
