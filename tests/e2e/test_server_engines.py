"""The three engines and the image I/O: determinism, distinct models, slow above fast, fast PNG
that decodes exactly like Pillow's, and colour-mode normalisation."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from upscale_conformance.server import engines
from upscale_conformance.server.quality import load_test_image

NEW_MODEL = {"pr-ai-upscale-model-version": "ai-upscale-2025-07-29"}


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    """A real photograph (textured): flat test cards hide the differences between engines."""
    return load_test_image("astronaut").crop((160, 40, 224, 104))


@pytest.fixture
def photo_png(photo, encode_image):
    return encode_image(photo, "PNG")


def pixels(im: Image.Image) -> np.ndarray:
    return np.asarray(im.convert("RGB"), dtype=np.float32)


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp", "avif"])
@pytest.mark.parametrize("mode,headers", [("ai.fast", {}), ("ai.fast", NEW_MODEL), ("ai.slow", {})])
def test_same_input_gives_the_same_bytes(mode, headers, fmt, server_url, edit, photo_png):
    first = edit(server_url, photo_png, mode, headers=headers, fields={"export.format": fmt})
    second = edit(server_url, photo_png, mode, headers=headers, fields={"export.format": fmt})
    assert first.status_code == 200
    assert first.content == second.content


@pytest.mark.parametrize("mode,headers,engine", [
    ("ai.fast", {}, engines.CLASSIC_FAST),
    ("ai.fast", NEW_MODEL, engines.NEW_FAST),
    ("ai.slow", {}, engines.SLOW),
])
def test_each_request_runs_its_engine(mode, headers, engine, server_url, edit, photo, photo_png, decode_image):
    served = decode_image(edit(server_url, photo_png, mode, headers=headers).content)
    assert np.array_equal(np.asarray(served), np.asarray(engine.upscale(photo)))


def test_the_two_fast_models_differ_visibly(server_url, edit, photo_png, decode_image):
    classic = pixels(decode_image(edit(server_url, photo_png).content))
    new = pixels(decode_image(edit(server_url, photo_png, headers=NEW_MODEL).content))
    difference = np.abs(classic - new)
    assert difference.mean() > 2.0
    assert np.percentile(difference, 99) > 10  # edges differ by a visible step, not by noise
