"""The planted faults as values and picture changes, without a server: none changes nothing, they
round-trip through JSON and the environment, an unknown one is a clear error, and the picture faults keep
a grey image's mode and the size."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from upscale_conformance.server import Faults
from upscale_conformance.server.faults import ENV_VAR, apply_output_faults

SIZE = (32, 24)


def rgb(im: Image.Image) -> np.ndarray:
    return np.asarray(im.convert("RGB"), dtype=np.float32)


def test_no_fault_changes_nothing(make_picture):
    im = make_picture(*SIZE, "RGBA")
    assert apply_output_faults(im, Faults()) is im


# --- configuration -----------------------------------------------------------------------------------


def test_from_json_round_trips():
    faults = Faults(mirror=True, colour_cast=(1, 2, 3), die_after=5)
    assert Faults.from_json(faults.to_json()) == faults
    assert Faults.from_json("") == Faults()


def test_an_unknown_fault_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown fault\(s\) mirrored; known: .*mirror"):
        Faults.from_json('{"mirrored": true}')


def test_from_env_reads_the_variable():
    assert Faults.from_env({ENV_VAR: '{"blur": 1.5}'}) == Faults(blur=1.5)
    assert Faults.from_env({}) == Faults()


def test_faulted_output_of_a_grey_image_keeps_its_mode():
    im = Image.new("LA", (4, 4), (100, 200))
    out = apply_output_faults(im, Faults(colour_cast=(10, 10, 10), blur=0.5))
    assert out.mode == "LA" and out.getpixel((0, 0)) == (110, 200)


def test_jpeg_collapse_helper_leaves_the_size(make_picture):
    im = make_picture(16, 16)
    out = apply_output_faults(im, Faults(jpeg_quality_collapse=True))
    assert out.size == im.size and out.mode == "RGB"
    assert not np.array_equal(rgb(out), rgb(im))
