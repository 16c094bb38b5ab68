"""The three engines and the image I/O: determinism, distinct models, slow above fast, PNG that
decodes to the exact pixels, and colour-mode normalisation."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from upscale_conformance.server import engines, imageio
from upscale_conformance.server.quality import load_test_image, round_trip_psnr

NEW_MODEL = {"pr-ai-upscale-model-version": "ai-upscale-2025-07-29"}


def test_engines_keep_alpha_untouched_by_sharpening(make_picture):
    im = make_picture(20, 12, "RGBA")
    for engine in engines.ENGINES:
        out = engine.upscale(im)
        assert out.mode == "RGBA" and out.size == (80, 48)
        plain = im.resize((80, 48), Image.Resampling.LANCZOS).getchannel("A")
        if engine is not engines.CLASSIC_FAST:
            assert np.array_equal(np.asarray(out.getchannel("A")), np.asarray(plain))


@pytest.mark.parametrize("name", ["astronaut", "camera"])
def test_slow_scores_a_higher_round_trip_psnr_than_both_fast_models(name):
    original = load_test_image(name).crop((128, 128, 384, 384))
    slow = round_trip_psnr(original, engines.SLOW)
    assert slow > round_trip_psnr(original, engines.CLASSIC_FAST) + 0.2
    assert slow > round_trip_psnr(original, engines.NEW_FAST)


def test_engines_handle_one_pixel_edges():
    for mode in ("L", "LA", "RGB", "RGBA"):
        im = Image.new(mode, (1, 7))
        for engine in engines.ENGINES:
            assert engine.upscale(im).size == (4, 28)


# --- image I/O -------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA"])
def test_png_answers_decode_to_the_exact_pixels_in_every_working_mode(mode, make_picture):
    im = engines.CLASSIC_FAST.upscale(make_picture(50, 30, mode))
    out = Image.open(io.BytesIO(imageio.encode_png(im)))
    assert out.mode == mode
    assert np.array_equal(np.asarray(out), np.asarray(im))


@pytest.mark.parametrize("given,expected", [
    ("1", "L"), ("L", "L"), ("LA", "LA"), ("P", "RGB"), ("PA", "RGBA"), ("RGB", "RGB"), ("RGBA", "RGBA"),
    ("CMYK", "RGB"), ("I;16", "L"), ("I", "L"), ("YCbCr", "RGB"),
])
def test_normalise_reaches_a_working_mode(given, expected):
    assert imageio.normalise(Image.new(given, (3, 2))).mode == expected


def test_normalise_scales_16_bit_instead_of_clipping():
    im = Image.fromarray(np.array([[0, 0x8000, 0xFFFF]], dtype=np.uint16))
    assert list(np.asarray(imageio.normalise(im))[0]) == [0, 128, 255]


def test_palette_transparency_becomes_alpha():
    im = Image.new("P", (2, 1))
    im.putpalette([0, 0, 0, 255, 0, 0])
    im.putpixel((1, 0), 1)
    im.info["transparency"] = 0
    out = imageio.normalise(im)
    assert out.mode == "RGBA"
    assert out.getpixel((0, 0))[3] == 0 and out.getpixel((1, 0)) == (255, 0, 0, 255)


def png_claiming(width: int, height: int) -> bytes:
    """A 10x10 PNG whose IHDR claims another size: a header that only a decoder would find out."""
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "PNG")
    raw = buf.getvalue()
    ihdr = b"IHDR" + width.to_bytes(4, "big") + height.to_bytes(4, "big") + raw[24:29]
    return raw[:12] + ihdr + zlib.crc32(ihdr).to_bytes(4, "big") + raw[33:]


def test_probe_reads_the_header_only(monkeypatch):
    def load(self):
        raise AssertionError("probe decoded the pixels")
    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    header = imageio.probe(png_claiming(12000, 9000))
    assert header.size == (12000, 9000)


def test_a_header_past_pillows_bomb_threshold_is_an_image_error():
    with pytest.raises(imageio.ImageError, match="decompression bomb"):
        imageio.probe(png_claiming(60000, 60000))


def test_decode_refuses_past_its_pixel_cap_before_decoding():
    with pytest.raises(imageio.ImageError, match="decodes at most"):
        imageio.decode(png_claiming(6001, 6000))


def test_jpeg_output_is_flattened_on_white():
    im = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    out = Image.open(io.BytesIO(imageio.encode(im, "jpeg")))
    assert out.mode == "RGB"
    assert min(out.getpixel((1, 1))) > 240
