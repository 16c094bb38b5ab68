"""Input limits by profile: the largest accepted and the first rejected size of each shape,
oriented dimensions, and upscale.downscaleIfNeeded."""

from __future__ import annotations

import io

import numpy as np
import pytest
import yaml
from PIL import Image, ImageOps

from upscale_conformance.contract import load_profile, profile_path

# (profile, mode, accepted size, first rejected size of the same shape)
BOUNDARIES = [
    ("pixel-budget-2026", "ai.fast", (2000, 500), (2001, 500)),
    ("pixel-budget-2026", "ai.fast", (1000, 1000), (1001, 1000)),
    ("pixel-budget-2026", "ai.slow", (512, 512), (513, 512)),
    ("per-axis-2025", "ai.fast", (1000, 1000), (1001, 1)),
    ("per-axis-2025", "ai.slow", (512, 512), (513, 1)),
]


def flat_png(width: int, height: int) -> bytes:
    """A cheap upload of any size: a smooth gradient compresses to almost nothing."""
    row = np.linspace(0, 255, width, dtype=np.float32).astype(np.uint8)
    pixels = np.broadcast_to(row, (height, width))
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels), "L").convert("RGB").save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def header_size(content: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(content)) as im:
        return im.size


@pytest.mark.parametrize("profile_id,mode,ok,_", BOUNDARIES, ids=lambda v: str(v))
def test_largest_accepted_size(profile_id, mode, ok, _, local_server, edit):
    assert load_profile(profile_id).limit(mode).accepts(*ok)  # the table agrees with the profile
    r = edit(local_server(profile_id), flat_png(*ok), mode, fields={"export.format": "jpeg"})
    assert r.status_code == 200, r.text
    assert header_size(r.content) == (ok[0] * 4, ok[1] * 4)


@pytest.mark.parametrize("profile_id,mode,_,bad", BOUNDARIES, ids=lambda v: str(v))
def test_first_rejected_size(profile_id, mode, _, bad, local_server, edit):
    profile = load_profile(profile_id)
    limit = profile.limit(mode)
    assert not limit.accepts(*bad)
    r = edit(local_server(profile_id), flat_png(*bad), mode)
    assert r.status_code == profile.status("over_limit")[0]
    message = r.json()["error"]["message"]
    assert limit.describe() in message
    assert f"{bad[0]}x{bad[1]}" in message


# --- EXIF orientation ------------------------------------------------------------------------------


def oriented_jpeg(width: int, height: int, orientation: int) -> tuple[bytes, Image.Image]:
    """A stored ``width`` x ``height`` JPEG with a red top-left block and an EXIF orientation."""
    im = Image.new("RGB", (width, height), (20, 20, 200))
    im.paste((230, 20, 20), (0, 0, width // 2, height // 2))
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=95, exif=exif)
    return buf.getvalue(), im


def test_orientation_6_turns_40x20_into_80x160(server_url, edit, decode_image):
    data, _ = oriented_jpeg(40, 20, 6)
    out = decode_image(edit(server_url, data, "ai.fast").content)
    assert out.size == (80, 160)
    # Orientation 6 rotates the stored image 90 degrees clockwise: its top-left lands top-right.
    red = np.asarray(out.convert("RGB"), dtype=np.float32)[..., 0]
    assert red[:40, 60:].mean() > 180 and red[:40, :20].mean() < 80


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_is_applied(orientation, server_url, edit, decode_image):
    data, _ = oriented_jpeg(40, 20, orientation)
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))  # Pillow's reading of the tag
    out = decode_image(edit(server_url, data, "ai.fast", fields={"export.format": "png"}).content)
    assert out.size == (upright.width * 4, upright.height * 4)
    back = np.asarray(out.convert("RGB").resize(upright.size, Image.Resampling.BOX), dtype=np.float32)
    assert np.abs(back - np.asarray(upright.convert("RGB"), dtype=np.float32)).mean() < 12


@pytest.fixture
def narrow_profile(tmp_path):
    """per-axis-2025 with an ai.fast limit of 100 wide x 50 high: only such a limit tells stored
    from oriented sizes apart (a square or pixel-count limit is the same either way)."""
    data = yaml.safe_load(profile_path("per-axis-2025").read_text())
    data["id"] = "narrow-test"
    data["modes"]["ai.fast"]["limit"] = {"kind": "per_axis", "max_width": 100, "max_height": 50}
    path = tmp_path / "narrow-test.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_limit_is_judged_on_the_oriented_size(narrow_profile, local_server, edit):
    url = local_server(narrow_profile, fresh=True)
    tall_stored, _ = oriented_jpeg(40, 80, 6)  # shown as 80x40: within 100x50
    wide_stored, _ = oriented_jpeg(80, 40, 6)  # shown as 40x80: too high
    assert edit(url, tall_stored, "ai.fast").status_code == 200
    r = edit(url, wide_stored, "ai.fast")
    assert r.status_code == 400
    assert "40x80" in r.json()["error"]["message"]


# --- upscale.downscaleIfNeeded ---------------------------------------------------------------------


@pytest.mark.parametrize("profile_id,size", [("pixel-budget-2026", (1200, 300)), ("per-axis-2025", (600, 300)),
                                             ("per-axis-2025", (300, 700))])
def test_downscale_always_fits_the_limit_and_keeps_the_aspect(profile_id, size, local_server, edit):
    limit = load_profile(profile_id).limit("ai.slow")
    assert not limit.accepts(*size)
    r = edit(local_server(profile_id), flat_png(*size), "ai.slow",
             fields={"upscale.downscaleIfNeeded": "always", "export.format": "jpeg"})
    assert r.status_code == 200, r.text
    w, h = header_size(r.content)
    assert w % 4 == 0 and h % 4 == 0
    assert limit.accepts(w // 4, h // 4)
    assert abs(w / h - size[0] / size[1]) < 0.02 * size[0] / size[1]
    assert (w // 4, h // 4) == limit.fit(*size)  # the largest that fits, not merely one that does


def test_downscale_always_leaves_an_accepted_input_alone(server_url, edit):
    r = edit(server_url, flat_png(30, 20), "ai.slow", fields={"upscale.downscaleIfNeeded": "always"})
    assert header_size(r.content) == (120, 80)


def test_downscale_never_is_the_default_error(server_url, edit):
    for fields in ({}, {"upscale.downscaleIfNeeded": "never"}):
        r = edit(server_url, flat_png(513, 512), "ai.slow", fields=fields)
        assert r.status_code == 400
        assert "262,144 pixels" in r.json()["error"]["message"]


def test_skip_upscale_downscales_when_4x_still_covers_the_input(server_url, edit):
    r = edit(server_url, flat_png(600, 600), "ai.slow",
             fields={"upscale.downscaleIfNeeded": "skipUpscaleIfNotNeeded", "export.format": "jpeg"})
    assert r.status_code == 200, r.text
    assert header_size(r.content) == (2048, 2048)


def test_skip_upscale_refuses_an_input_larger_than_any_answer(server_url, edit):
    r = edit(server_url, flat_png(2100, 2100), "ai.slow",
             fields={"upscale.downscaleIfNeeded": "skipUpscaleIfNotNeeded"})
    assert r.status_code == 400
    assert "skipUpscaleIfNotNeeded" in r.json()["error"]["message"]


def test_unknown_downscale_value_is_a_400(server_url, edit):
    r = edit(server_url, flat_png(20, 20), "ai.fast", fields={"upscale.downscaleIfNeeded": "sometimes"})
    assert r.status_code == 400
    assert "downscaleIfNeeded" in r.json()["error"]["message"]


# --- outputs longer than an encoder's field -------------------------------------------------------


def test_a_very_tall_accepted_input_is_still_exactly_4x_in_png(server_url, edit):
    # 20x17000 is within 1,000,000 pixels; its 80x68000 output is taller than a 16-bit side (fpng, the
    # server's earlier writer, wrote 80x2464), and it is cut into strips of a few hundred rows each.
    r = edit(server_url, flat_png(20, 17_000), "ai.fast")
    assert r.status_code == 200, r.text
    assert header_size(r.content) == (80, 68_000)


def test_an_output_too_large_for_the_asked_format_is_a_400_that_says_so(server_url, edit):
    r = edit(server_url, flat_png(20, 5_000), "ai.fast", fields={"export.format": "webp"})
    assert r.status_code == 400
    assert "16383" in r.json()["error"]["message"] and "export.format=png" in r.json()["error"]["message"]
