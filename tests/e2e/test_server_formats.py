"""Every mode x export format x colour mode gives exactly 4x, the right format and Content-Type,
alpha where the format carries it, and the input's colours; and every input format is read."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from upscale_conformance.contract import load_profile

PROFILE = load_profile("pixel-budget-2026")
SIZE = (24, 16)
FORMATS = {"png": "PNG", "jpeg": "JPEG", "jpg": "JPEG", "webp": "WEBP", "avif": "AVIF"}
ALPHA_FORMATS = ("png", "webp", "avif")


def png16(pixels: np.ndarray) -> bytes:
    """A 16-bit-per-channel PNG (Pillow cannot write RGB/RGBA at 16 bits): grey, RGB or RGBA."""
    height, width = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    colour_type = {1: 0, 3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + pixels[row].astype(">u2").tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def colour_input(kind: str, make_picture, encode_image) -> tuple[bytes, Image.Image, bool]:
    """Upload bytes, the expected picture as RGBA (what the user sees), and whether it has alpha."""
    w, h = SIZE
    if kind == "16-bit":
        rgb = np.asarray(make_picture(w, h, "RGB"), dtype=np.uint16) * 257
        return png16(rgb), Image.fromarray((rgb >> 8).astype(np.uint8), "RGB").convert("RGBA"), False
    if kind == "I;16":
        im = make_picture(w, h, "I;16")
        grey = (np.asarray(im, dtype=np.uint16) >> 8).astype(np.uint8)
        return encode_image(im, "PNG"), Image.fromarray(grey, "L").convert("RGBA"), False
    if kind == "CMYK":
        im = make_picture(w, h, "CMYK")
        data = encode_image(im, "JPEG", quality=95)
        return data, Image.open(__import__("io").BytesIO(data)).convert("RGBA"), False
    if kind == "P+transparency":
        im = make_picture(w, h, "P")
        im.info["transparency"] = im.getpixel((w - 1, h - 1))
        return encode_image(im, "PNG", transparency=im.info["transparency"]), im.convert("RGBA"), True
    im = make_picture(w, h, kind)
    return encode_image(im, "PNG"), im.convert("RGBA"), kind in ("LA", "RGBA")


def on_white(im: Image.Image) -> np.ndarray:
    """RGB over white: how the server flattens for JPEG, applied to both sides of a comparison."""
    rgba = im.convert("RGBA")
    base = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(base, rgba).convert("RGB"), dtype=np.float32)


COLOUR_MODES = ["L", "LA", "P", "P+transparency", "RGB", "RGBA", "CMYK", "I;16", "16-bit"]


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("mode", ["ai.fast", "ai.slow"])
@pytest.mark.parametrize("colour", COLOUR_MODES)
def test_mode_format_colour_matrix(colour, mode, fmt, server_url, edit, make_picture, encode_image, decode_image):
    data, expected, has_alpha = colour_input(colour, make_picture, encode_image)
    r = edit(server_url, data, mode, fields={"export.format": fmt})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == PROFILE.export_formats[fmt]
    out = decode_image(r.content)
    assert out.format == FORMATS[fmt]
    assert out.size == (SIZE[0] * 4, SIZE[1] * 4)
    assert ("A" in out.getbands()) == (has_alpha and fmt in ALPHA_FORMATS)
    back = on_white(out.resize(SIZE, Image.Resampling.BOX))
    want = on_white(expected)
    assert np.abs(back - want).mean() < 12, "colours or geometry not kept"
    assert np.abs(back.mean(axis=(0, 1)) - want.mean(axis=(0, 1))).max() < 8, "colour balance shifted"


def test_png_is_the_default_format(server_url, edit, make_picture, encode_image, decode_image):
    r = edit(server_url, encode_image(make_picture(*SIZE), "JPEG"), "ai.fast")
    assert r.headers["content-type"] == "image/png"
    assert decode_image(r.content).format == "PNG"


@pytest.mark.parametrize("container,mode", [("JPEG", "RGB"), ("PNG", "RGB"), ("WEBP", "RGB"), ("WEBP", "RGBA"),
                                            ("JPEG", "L")])
def test_every_input_format_is_read(container, mode, server_url, edit, make_picture, encode_image, decode_image):
    im = make_picture(*SIZE, mode)
    params = {"lossless": True} if container == "WEBP" else {}
    r = edit(server_url, encode_image(im, container, **params), "ai.fast")
    assert r.status_code == 200, r.text
    out = decode_image(r.content)
    assert out.size == (96, 64)
    assert ("A" in out.getbands()) == (mode == "RGBA")


def test_alpha_values_survive(server_url, edit, make_picture, encode_image, decode_image):
    im = make_picture(*SIZE, "RGBA")
    r = edit(server_url, encode_image(im, "PNG"), "ai.fast")
    alpha = np.asarray(decode_image(r.content).getchannel("A").resize(SIZE, Image.Resampling.BOX), dtype=np.float32)
    assert np.abs(alpha - np.asarray(im.getchannel("A"), dtype=np.float32)).mean() < 3


def test_avif_is_refused_by_a_profile_without_it(local_server, edit, make_picture, encode_image):
    profile = load_profile("per-axis-2025")
    assert "avif" not in profile.export_formats
    r = edit(local_server("per-axis-2025"), encode_image(make_picture(*SIZE)), "ai.fast",
             fields={"export.format": "avif"})
    assert r.status_code == 400
    assert "export.format" in r.json()["error"]["message"]
