"""Each planted fault changes the served behaviour exactly as its name says (and only then), in a thread
and in a child process."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
from PIL import Image, ImageOps

from upscale_conformance.server import Faults
from upscale_conformance.server.quality import psnr

SIZE = (32, 24)


@pytest.fixture
def upload(make_picture, encode_image):
    return encode_image(make_picture(*SIZE), "PNG")


def served(url, edit, data, decode_image, mode="ai.fast", **kwargs) -> Image.Image:
    r = edit(url, data, mode, **kwargs)
    assert r.status_code == 200, r.text
    return decode_image(r.content)


def rgb(im: Image.Image) -> np.ndarray:
    return np.asarray(im.convert("RGB"), dtype=np.float32)


@pytest.fixture
def clean(server_url, edit, upload, decode_image) -> Image.Image:
    return served(server_url, edit, upload, decode_image)


def faulty(local_server, edit, upload, decode_image, **fault) -> Image.Image:
    return served(local_server(faults=Faults(**fault)), edit, upload, decode_image)


def test_scale(local_server, edit, upload, decode_image):
    assert faulty(local_server, edit, upload, decode_image, scale=3).size == (SIZE[0] * 3, SIZE[1] * 3)


def test_limit_offset_accepts_the_first_size_past_the_limit(local_server, edit, make_picture, encode_image):
    data = encode_image(make_picture(513, 1), "PNG")
    assert edit(local_server("per-axis-2025"), data, "ai.slow").status_code == 400
    assert edit(local_server("per-axis-2025", faults=Faults(limit_offset=1)), data, "ai.slow").status_code == 200


def test_over_limit_status(local_server, edit, make_picture, encode_image):
    r = edit(local_server(faults=Faults(over_limit_status=500)), encode_image(make_picture(513, 512)), "ai.slow")
    assert r.status_code == 500
    assert "262,144 pixels" in r.json()["error"]["message"]


def test_mirror(local_server, edit, upload, decode_image, clean):
    out = faulty(local_server, edit, upload, decode_image, mirror=True)
    assert np.array_equal(rgb(out), rgb(ImageOps.mirror(clean)))
    assert not np.array_equal(rgb(out), rgb(clean))


def test_ignore_model_header(local_server, edit, upload, decode_image, clean):
    header = {"pr-ai-upscale-model-version": "ai-upscale-2025-07-29"}
    url = local_server(faults=Faults(ignore_model_header=True))
    assert np.array_equal(rgb(served(url, edit, upload, decode_image, headers=header)), rgb(clean))


def test_channel_swap(local_server, edit, upload, decode_image, clean):
    out = rgb(faulty(local_server, edit, upload, decode_image, channel_swap=True))
    assert np.array_equal(out, rgb(clean)[..., ::-1])


def test_blur(local_server, edit, upload, decode_image, clean):
    out = faulty(local_server, edit, upload, decode_image, blur=2.0)

    def edge_energy(im):
        grey = rgb(im).mean(axis=2)
        return float((np.diff(grey, axis=0) ** 2).mean() + (np.diff(grey, axis=1) ** 2).mean())

    assert edge_energy(out) < 0.7 * edge_energy(clean)


def test_noise_is_added_deterministically(local_server, edit, upload, decode_image, clean):
    url = local_server(faults=Faults(noise=8.0))
    first, second = (rgb(served(url, edit, upload, decode_image)) for _ in range(2))
    assert np.array_equal(first, second)
    assert 4 < np.abs(first - rgb(clean)).mean() < 10


def test_colour_cast(local_server, edit, upload, decode_image, clean):
    out = rgb(faulty(local_server, edit, upload, decode_image, colour_cast=(30, 0, -20)))
    shift = out.mean(axis=(0, 1)) - rgb(clean).mean(axis=(0, 1))
    assert shift[0] > 20 and abs(shift[1]) < 1 and shift[2] < -12


def test_jpeg_quality_collapse(local_server, edit, upload, decode_image, clean):
    out = faulty(local_server, edit, upload, decode_image, jpeg_quality_collapse=True)
    assert out.format == "PNG"  # still the requested format, only the pixels are ruined
    assert psnr(out.convert("RGB"), clean.convert("RGB")) < 32


def test_drop_alpha(local_server, edit, make_picture, encode_image, decode_image):
    data = encode_image(make_picture(*SIZE, "RGBA"), "PNG")
    out = served(local_server(faults=Faults(drop_alpha=True)), edit, data, decode_image)
    assert "A" not in out.getbands()


def test_die_after(local_server, edit, upload):
    url = local_server(faults=Faults(die_after=2))
    assert [edit(url, upload).status_code for _ in range(2)] == [200, 200]
    with pytest.raises(httpx.TransportError):
        edit(url, upload)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/health", timeout=2)


def test_faults_reach_a_server_in_a_child_process(edit, upload, decode_image, clean):
    from upscale_conformance.server import serve_in_subprocess

    with serve_in_subprocess(api_key="test-key", faults=Faults(mirror=True)) as url:
        out = served(url, edit, upload, decode_image)
    assert np.array_equal(rgb(out), rgb(ImageOps.mirror(clean)))
