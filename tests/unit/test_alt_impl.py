"""The second implementation of the contract (``tests/support/alt_impl.py``), in process: its pixel work
through ``alt_impl.edit`` (every model 4x, EXIF, colour modes, export formats, the pixel budget) and its
multipart parser. Its HTTP behaviour, through real servers: tests/e2e/test_alt_impl.py.
"""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image, ImageOps

from tests.support import alt_impl
from tests.support.pictures import encode, opened, picture, run_edit

FIXTURE = Path(__file__).parents[2] / "fixtures" / "inputs" / "chelsea_cat.png"


def psnr_back_down(out: Image.Image, shown: Image.Image) -> float:
    """How close the output, box-scaled back to the input's size, is to what the input shows (dB)."""
    down = np.asarray(out.convert("RGB").resize(shown.size, Image.Resampling.BOX), dtype=np.float64)
    mse = float(((down - np.asarray(shown.convert("RGB"), dtype=np.float64)) ** 2).mean())
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


# --- pixels, in-process ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode,version", [("ai.fast", None), ("ai.fast", alt_impl.NEW_FAST), ("ai.slow", None)])
def test_every_model_answers_4x_and_scales_back_to_the_input(mode, version):
    src = picture(60, 40)
    out, content_type = run_edit(encode(src), mode, version)
    assert (out.size, content_type) == ((240, 160), "image/png")
    assert psnr_back_down(out, src) > 30


def test_the_new_fast_model_differs_visibly_from_the_classic_one():
    data = open(FIXTURE, "rb").read()
    classic, new = run_edit(data)[0], run_edit(data, version=alt_impl.NEW_FAST)[0]
    assert np.abs(np.asarray(classic, np.float32) - np.asarray(new, np.float32)).mean() >= 1.0


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_is_applied(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored = picture(30, 20)
    out, _ = run_edit(encode(stored, exif=exif.tobytes()))
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(encode(stored, exif=exif.tobytes()))))
    assert out.size == (upright.width * 4, upright.height * 4)
    assert psnr_back_down(out, upright) > 30


@pytest.mark.parametrize("mode,fmt", [("L", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("RGBA", "WEBP"), ("CMYK", "JPEG"),
                                      ("I;16", "PNG"), ("RGB", "JPEG")])
def test_colour_modes_keep_their_colours(mode, fmt):
    src = picture(40, 32, alpha=mode in ("LA", "RGBA"))
    if mode == "I;16":  # 16-bit grey that shows as the 8-bit grey
        data, shown = encode(Image.fromarray(np.asarray(src.convert("L"), dtype=np.uint16) * 257)), src.convert("L")
    else:
        sent = src.quantize(64) if mode == "P" else src.convert(mode)
        data = encode(sent, fmt, **({"lossless": True} if fmt == "WEBP" else {"quality": 95} if fmt == "JPEG" else {}))
        shown = opened(data).convert("RGBA" if mode in ("LA", "RGBA") else "RGB")
    out, _ = run_edit(data)
    assert ("A" in out.getbands()) == (mode in ("LA", "RGBA"))
    if mode in ("LA", "RGBA"):  # compare what is visible: both over the same black
        out, shown = (Image.alpha_composite(Image.new("RGBA", im.size, "black"), im.convert("RGBA"))
                      for im in (out, shown))
    assert psnr_back_down(out, shown) > 30


@pytest.mark.parametrize("fmt,content_type,pil", [("jpeg", "image/jpeg", "JPEG"), ("jpg", "image/jpeg", "JPEG"),
                                                  ("webp", "image/webp", "WEBP"), ("avif", "image/avif", "AVIF"),
                                                  ("png", "image/png", "PNG")])
def test_export_formats_and_alpha(fmt, content_type, pil):
    out, got_type = run_edit(encode(picture(24, 16, alpha=True)), export_format=fmt)
    assert (got_type, out.format, out.size) == (content_type, pil, (96, 64))
    assert ("A" in out.getbands()) == (pil != "JPEG")


def test_the_limit_is_a_pixel_budget_and_always_downscales_to_fit():
    def flat(w: int, h: int) -> bytes:  # big inputs that are cheap to encode and decode
        return encode(Image.new("RGB", (w, h), (90, 140, 200)))

    assert run_edit(flat(512, 512), "ai.slow")[0].size == (2048, 2048)  # exactly the budget
    with pytest.raises(alt_impl.ApiError) as refused:
        run_edit(flat(512, 513), "ai.slow")
    assert (refused.value.status, refused.value.extra["limitPixels"]) == (400, 262_144)
    out, _ = run_edit(encode(picture(800, 400)), "ai.slow", upscale_downscaleIfNeeded="always")
    w, h = out.width // 4, out.height // 4
    assert out.width % 4 == 0 and w * h <= 262_144 and w * h > 0.99 * 262_144 and abs(w / h - 2) < 0.01
    # skipUpscaleIfNotNeeded: fitted while 4x still covers the input, refused past 16x the budget
    skip = {"upscale_downscaleIfNeeded": "skipUpscaleIfNotNeeded"}
    assert run_edit(flat(800, 400), "ai.slow", **skip)[0].size == (2896, 1448)
    with pytest.raises(alt_impl.ApiError):
        run_edit(flat(2200, 2000), "ai.slow", **skip)


def test_fit_stays_inside_the_budget():
    for w, h in [(1001, 1000), (20000, 50), (3, 700000), (999, 1002), (1250, 1001)]:
        fw, fh = alt_impl.fit(w, h, 1_000_000)
        assert fw * fh <= 1_000_000 < (fw + 1) * (fh + 1)  # inside, and one more row and column would not be


def test_multipart_keeps_binary_content_exactly():
    payload = bytes(range(256)) * 40 + b"\r\n--not-the-boundary\r\n\r\n\r"
    request = httpx.Request("POST", "http://x/", files=[("imageFile", ("a", payload, "application/octet-stream")),
                                                        ("upscale.mode", (None, "ai.fast"))])
    parts = alt_impl.parse_form(request.headers["content-type"], request.read())
    assert parts == {"imageFile": payload, "upscale.mode": b"ai.fast"}
