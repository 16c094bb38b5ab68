"""The reference server on every core: an upscale cut into strips must give the very pixels of the
one-thread path, in valid files, for every engine, working colour mode, output format, odd sizes
and strip boundaries (issue 23).

The pictures are noise over a pattern: every strip boundary falls on strong edges, where a wrong
margin, a rounding change or a misplaced row would show.
"""

from __future__ import annotations

import io
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

from tests.support.pictures import opened
from upscale_conformance.server import engines, imageio
from upscale_conformance.server.parallel import jpeg, png, pool, render, strips

WORKING_MODES = ("L", "LA", "RGB", "RGBA")
ODD_SIZES = [(37, 53), (61, 33), (16, 91)]  # odd widths and heights, strips that do not divide evenly
FORMATS = ("png", "jpeg", "webp", "avif")


def busy_picture(width: int, height: int, mode: str, seed: int = 23) -> Image.Image:
    """Random noise over a checkerboard, with an alpha that varies too."""
    rng = np.random.default_rng([seed, width, height])
    y, x = np.mgrid[0:height, 0:width]
    board = np.where(((x // 3) + (y // 5)) % 2 == 0, 40, 210)
    rgba = np.clip(board[..., None] + rng.integers(-40, 41, (height, width, 4)), 0, 255).astype(np.uint8)
    return Image.fromarray(rgba, "RGBA").convert(mode)


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(opened(data))


@pytest.fixture(scope="module")
def two_threads():
    with ThreadPoolExecutor(2) as executor:
        yield executor


# --- the strip plan --------------------------------------------------------------------------------


@pytest.mark.parametrize("height", [1, 15, 16, 17, 63, 64, 65, 333, 1000, 4097])
@pytest.mark.parametrize("parts", [1, 2, 3, 4, 7])
def test_a_plan_covers_every_row_once_in_aligned_strips(height, parts):
    plan = strips.plan(height, parts)
    assert plan[0][0] == 0 and plan[-1][1] == height
    assert all(a[1] == b[0] for a, b in zip(plan, plan[1:], strict=False))  # no gap, no overlap
    assert all(top % strips.ALIGN == 0 for top, _ in plan)
    assert len({bottom - top for top, bottom in plan[:-1]}) <= 1  # equal but for the last (a restart interval)
    assert len(plan) <= parts and (len(plan) == 1 or min(b - t for t, b in plan[:-1]) >= strips.MIN_ROWS)


# --- one engine, strip by strip ----------------------------------------------------------------------


@pytest.mark.parametrize("engine", engines.ENGINES, ids=lambda e: e.name)
@pytest.mark.parametrize("mode", WORKING_MODES)
@pytest.mark.parametrize("size", ODD_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_strips_join_into_the_whole_upscale_to_the_bit(engine, mode, size):
    im = busy_picture(*size, mode)
    whole = np.asarray(engine.upscale(im))
    for parts in (2, 3, 5):
        plan = strips.plan(im.height, parts)
        joined = np.vstack([np.asarray(strips.upscale(im, engine, top, bottom)) for top, bottom in plan])
        assert joined.shape == whole.shape
        bad = np.nonzero((joined != whole).reshape(whole.shape[0], -1).any(axis=1))[0]
        assert bad.size == 0, f"{parts} strips {plan}: output rows {bad[:8].tolist()} differ"


@pytest.mark.parametrize("engine", engines.ENGINES, ids=lambda e: e.name)
def test_each_engine_needs_its_margin(engine):
    """The margins are not idle safety: with none, the strips' own edges show at the seams."""
    from dataclasses import replace

    im = busy_picture(61, 64, "RGB")
    blind = replace(engine, margin=0)
    joined = np.vstack([np.asarray(strips.upscale(im, blind, t, b)) for t, b in strips.plan(im.height, 4)])
    assert not np.array_equal(joined, np.asarray(engine.upscale(im)))


# --- whole answers: every format ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("mode", WORKING_MODES)
@pytest.mark.parametrize("engine", engines.ENGINES, ids=lambda e: e.name)
def test_the_strip_path_decodes_to_the_pixels_of_the_one_thread_path(fmt, mode, engine, two_threads):
    im = busy_picture(45, 67, mode)
    one = imageio.encode(engine.upscale(im), fmt)  # the one-thread path, as the server had it
    for parts in (2, 4, 5):
        split = render.render(im, engine, fmt, two_threads, parts=parts)
        a, b = pixels(split), pixels(one)
        assert a.shape == b.shape and Image.open(io.BytesIO(split)).size == (180, 268)
        assert np.array_equal(a, b), f"{fmt} {mode} in {parts} strips: {np.count_nonzero(a != b)} values differ"


def test_small_answers_skip_the_split_and_large_ones_use_every_core():
    assert render.strip_count((100, 100)) == 1
    big = render.strip_count((4000, 4000), engines.CLASSIC_FAST.margin)
    assert big == pool.cores() * render.STRIPS_PER_CORE
    assert len(strips.plan(1000, big)) == min(big, 1000 // strips.MIN_ROWS)
    # ai.slow reads 12 rows around a strip: at its 512-row limit, one strip a core, not thinner ones
    assert render.strip_count((2048, 2048), engines.SLOW.margin) == pool.cores()


def test_one_pool_per_process_sized_to_the_cores():
    assert pool.shared() is pool.shared()
    assert pool.shared()._max_workers == pool.cores()


# --- the PNG writer ------------------------------------------------------------------------------------


def idat_stream(data: bytes) -> bytes:
    """The concatenated IDAT data of a PNG, every chunk's CRC checked on the way."""
    pos, out = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC on {kind!r}"
        if kind == b"IDAT":
            out.append(body)
        pos += 12 + length
    return b"".join(out)


@pytest.mark.parametrize("mode", WORKING_MODES)
@pytest.mark.parametrize("cuts", [[], [1], [7, 8, 30], list(range(1, 41))])
def test_png_pieces_make_one_valid_stream_of_the_exact_rows(mode, cuts):
    im = busy_picture(29, 41, mode)
    bounds = [0, *cuts, im.height]
    pieces = [png.piece(im.crop((0, a, im.width, b)), last=b == im.height)
              for a, b in zip(bounds, bounds[1:], strict=False)]
    data = png.assemble(im.size, mode, pieces)
    Image.open(io.BytesIO(data)).verify()  # Pillow's own chunk checks
    raw = zlib.decompress(idat_stream(data))  # zlib checks the combined Adler-32 here
    rows = np.frombuffer(raw, np.uint8).reshape(im.height, -1)
    assert set(rows[:, 0]) <= {png.NONE, png.UP}
    decoded = Image.open(io.BytesIO(data))
    assert decoded.mode == mode and np.array_equal(np.asarray(decoded), np.asarray(im))


def test_png_rows_of_a_taller_image_are_cut_without_a_copy_of_the_rest():
    im = busy_picture(23, 40, "RGB")
    piece = png.piece(im, last=True, rows=(8, 24))
    data = png.assemble((23, 16), "RGB", [piece])
    assert np.array_equal(pixels(data), np.asarray(im)[8:24])


@pytest.mark.parametrize("sizes", [(0, 5), (5, 0), (1, 1), (65_521, 3), (100_000, 99_999)])
def test_adler32_combine_agrees_with_adler32_of_the_whole(sizes):
    rng = np.random.default_rng(sizes)
    a, b = (rng.integers(0, 256, n, dtype=np.uint8).tobytes() for n in sizes)
    assert png.adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


def test_png_refuses_a_mode_it_cannot_write():
    with pytest.raises(ValueError, match="not P"):
        png.piece(Image.new("P", (4, 4)), last=True)


# --- the JPEG joiner -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["L", "RGB"])
@pytest.mark.parametrize("size,strip_rows", [((40, 70), 16), ((333, 311), 32), ((17, 300), 16)])
def test_jpeg_strips_joined_at_restart_markers_decode_like_one_encode(mode, size, strip_rows):
    im = busy_picture(*size, mode)
    scans = [jpeg.scan(im.crop((0, top, im.width, min(top + strip_rows, im.height))))
             for top in range(0, im.height, strip_rows)]
    data = jpeg.assemble(scans, im.size, strip_rows)
    assert len(scans) > 8 or size == (40, 70)  # restart numbers wrap past RST7
    assert data.count(b"\xff\xdd") == 1  # one DRI segment
    joined = Image.open(io.BytesIO(data))
    assert joined.size == im.size and joined.mode == mode
    assert np.array_equal(np.asarray(joined), pixels(jpeg.encode(im)))


def test_jpeg_strips_must_be_whole_mcu_rows():
    im = busy_picture(40, 40, "RGB")
    with pytest.raises(ValueError, match="multiple of 16"):
        jpeg.assemble([jpeg.scan(im.crop((0, 0, 40, 20))), jpeg.scan(im.crop((0, 20, 40, 40)))], im.size, 20)


def test_jpeg_strips_of_a_very_wide_answer_fit_the_restart_interval():
    """65,500 pixels wide: 4,094 MCUs a row, so at most 16 MCU rows a strip (and 4 for grey)."""
    assert jpeg.interval(65_500, "RGB", jpeg.max_strip_rows(65_500, "RGB")) <= jpeg.MAX_INTERVAL
    assert jpeg.interval(65_500, "L", jpeg.max_strip_rows(65_500, "L")) <= jpeg.MAX_INTERVAL
    assert jpeg.max_strip_rows(65_500, "RGB") == 256 and jpeg.max_strip_rows(65_500, "L") == 64


# --- the whole request: every input colour mode, through the server's pipeline -----------------------


@pytest.mark.parametrize("mode,fmt", [("1", "PNG"), ("L", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("PA", "PNG"),
                                      ("RGB", "JPEG"), ("RGBA", "PNG"), ("CMYK", "JPEG"), ("I;16", "PNG"),
                                      ("RGB", "WEBP"), ("RGBA", "WEBP")])
@pytest.mark.parametrize("export", ["png", "jpeg"])
def test_the_server_answers_with_the_one_thread_pixels_for_every_input_mode(mode, fmt, export, encode_image):
    from upscale_conformance.contract import load_profile
    from upscale_conformance.server import pipeline
    from upscale_conformance.server.faults import Faults

    picture = busy_picture(163, 121, "RGBA" if mode in ("LA", "PA", "RGBA") else "RGB")
    if mode == "I;16":
        picture = Image.fromarray(np.asarray(picture.convert("L"), dtype=np.uint16) * 257)
    elif mode == "PA":
        picture = picture.convert("P")  # a palette with transparency: Pillow keeps alpha in the palette
    else:
        picture = picture.convert(mode)
    upload = encode_image(picture, fmt)
    out = pipeline.run(pipeline.EditRequest(upload, "ai.fast", None, export, "never"), load_profile(None), Faults())
    assert render.strip_count(out.size, engines.CLASSIC_FAST.margin) > 1  # the strip path really ran
    one = imageio.encode(engines.CLASSIC_FAST.upscale(imageio.decode(upload)), export)
    assert np.array_equal(pixels(out.data), pixels(one))


def test_a_failing_strip_fails_the_answer_and_drops_the_strips_not_started():
    import threading
    from dataclasses import replace

    started: list[int] = []
    failed = threading.Event()
    done = threading.Event()

    def upscale(im):
        started.append(im.height)
        if not failed.is_set():  # the first strip fails...
            failed.set()
            raise MemoryError("a strip could not be allocated")
        done.wait(10)  # ...and the one thread is busy with the second while the answer fails
        return engines.CLASSIC_FAST.upscale(im)

    broken = replace(engines.CLASSIC_FAST, run=upscale)
    with ThreadPoolExecutor(1) as one:
        try:
            with pytest.raises(MemoryError):
                render.render(busy_picture(64, 400, "RGB"), broken, "png", one, parts=8)
        finally:
            done.set()
    # The failed strip, and perhaps the next (if the thread took it before the answer failed): the
    # others were cancelled in the queue, never run.
    assert 1 <= len(started) <= 2
