"""One request to the reference server, against what one core does with the same picture in process.

The question (issue 23): does one large upscale use every core? The server's end-to-end time over
HTTP is divided by the best single-core pipeline of the kind the issue names, decode, upscale and
encode the whole picture in one piece: with fpng (the issue's anchor) or with the server's own PNG
writer, whichever is faster. On 2 cores the target is <= 0.6 for ai.fast (1000x1000 JPEG to
4000x4000 PNG); ai.slow (at its 512x512 limit) is printed too.

A stricter single-core pipeline is printed beside it: the server's strip path on a one-thread
pool, faster than either whole-picture pipeline because a strip's data stays in cache from the
resize to the deflate. Against it the parallel gain is the cores' alone, and what does not divide
among them (the decode, the request, 7.4 MB through httpx) weighs more. libvips (pyvips, threaded in
every stage) and naive Pillow (PNG at the default compression) are shown for context. Every row
makes the same answer, and the server's is checked to have the single-core pipeline's pixels.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import fpng
import httpx
import numpy as np
from PIL import Image

from ...client.target import DEFAULT_TIMEOUT
from .base import Row, Section, timed

FAST_TARGET = 0.6
MODEL_HEADER_VALUE = None  # the classic ai.fast model: the one a request without the header gets


def photo_jpeg(side: int) -> bytes:
    """A photograph (not a flat test card: encoders' cost depends on content) as a JPEG upload."""
    from skimage import data

    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).resize((side, side), Image.Resampling.LANCZOS).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _post(client: httpx.Client, upload: bytes, mode: str) -> Callable[[], bytes]:
    def send() -> bytes:
        r = client.post("/v2/edit", headers={"x-api-key": "bench"},
                        data={"referenceBox": "originalImage", "removeBackground": "false", "upscale.mode": mode},
                        files={"imageFile": ("bench.jpg", upload, "image/jpeg")})
        r.raise_for_status()
        return r.content
    return send


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def _libvips(upload: bytes) -> tuple[Callable[[], bytes] | None, str]:
    """decode, 4x cubic, PNG at compression 1, in libvips; or None and why it is missing."""
    try:
        import pyvips
    except Exception as exc:  # not installed, or its library missing: the bench says which
        return None, f"pyvips unavailable here ({type(exc).__name__}: {exc})"

    def job() -> bytes:
        return pyvips.Image.new_from_buffer(upload, "").resize(4, kernel="cubic").pngsave_buffer(compression=1)
    return job, f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}, its own threads"


def one_request(mode: str, side: int, rounds: int = 7, context: bool = True) -> Section:
    from ...server import engines, imageio, serve_in_subprocess
    from ...server.parallel.render import render, strip_count

    upload = photo_jpeg(side)
    engine = engines.select(mode, MODEL_HEADER_VALUE)
    one_thread = ThreadPoolExecutor(1)
    parts = strip_count((side * 4, side * 4), engine.margin)
    single: dict[str, Callable[[], bytes]] = {
        "one core: decode, upscale, fpng": lambda: fpng.from_pil(engine.upscale(imageio.decode(upload))),
        "one core: decode, upscale, the server's PNG writer": lambda: imageio.encode(
            engine.upscale(imageio.decode(upload)), "png"),
        f"one core: the strip path ({parts} strips) on one thread": lambda: render(
            imageio.decode(upload), engine, "png", one_thread, parts),
    }
    extra: dict[str, tuple[Callable[[], bytes], str]] = {}
    notes = []
    if context:
        vips, why = _libvips(upload)
        if vips is None:
            notes.append(why)
        else:
            extra["libvips (pyvips): decode, 4x cubic, PNG"] = (vips, why + "; its own cubic kernel")
        extra["naive Pillow: decode, upscale, PNG at default compression"] = (
            lambda: _naive(engine, imageio.decode(upload)), "")
    times: dict[str, list[float]] = {name: [] for name in (*single, "server over HTTP", *extra)}
    sizes: dict[str, int] = {}
    with serve_in_subprocess() as url, httpx.Client(base_url=url, timeout=DEFAULT_TIMEOUT) as client:
        served = _post(client, upload, mode)
        reference = next(iter(single.values()))()
        if not np.array_equal(_pixels(served()), _pixels(reference)):  # warm-up, and proof of the same work
            raise RuntimeError("the server's answer differs from the in-process pipeline: unlike work compared")
        jobs = {**single, "server over HTTP": served}
        for _ in range(rounds):  # interleaved, so a slow moment of the machine hits every row alike
            for name, job in jobs.items():
                elapsed, out = timed(job)
                times[name].append(elapsed)
                sizes[name] = len(out)
        for name, (job, _note) in extra.items():  # context only: fewer rounds (naive Pillow takes seconds)
            for _ in range(2):
                elapsed, out = timed(job)
                times[name].append(elapsed)
                sizes[name] = len(out)
    one_thread.shutdown()
    rows = [Row(name, tuple(times[name]), f"{sizes[name]:,} B") for name in (*single, "server over HTTP")]
    rows += [Row(name, tuple(times[name]), f"{sizes[name]:,} B; {note}".rstrip("; "))
             for name, (_, note) in extra.items()]
    whole, strip_row = min(rows[:2], key=lambda r: r.best), rows[2]  # one piece (fpng or ours); strips, one thread
    server, fpng_row = rows[len(single)], rows[0]
    ratio = server.best / whole.best
    target = f" (target <= {FAST_TARGET}: {'within' if ratio <= FAST_TARGET else 'OVER'})" if mode == "ai.fast" else ""
    verdict = (f"{mode}: server over HTTP / best single-core pipeline ({whole.name.removeprefix('one core: ')}) = "
               f"{ratio:.2f}{target}; / the fpng pipeline = {server.best / fpng_row.best:.2f}; "
               f"/ the strip path on one thread = {server.best / strip_row.best:.2f}")
    notes.append(f"best of {rounds} interleaved rounds (context rows: 2); upload {len(upload):,} B; the server runs "
                 "in a child process, 1 worker")
    return Section(f"Reference server, one request: {side}x{side} JPEG -> {side * 4}x{side * 4} PNG, {mode}",
                   rows, whole.name, verdict, notes)


def _naive(engine, im: Image.Image) -> bytes:
    buf = io.BytesIO()
    engine.upscale(im).save(buf, "PNG")
    return buf.getvalue()


def server_ai_fast() -> Section:
    return one_request("ai.fast", 1000)


def server_ai_slow() -> Section:
    return one_request("ai.slow", 512, context=False)


CROSSOVER_SIDES = (48, 64, 96, 128, 181, 256, 362, 512)


def split_crossover(rounds: int = 15) -> Section:
    """Where cutting into strips starts to pay: the strip path against one piece, in process, ai.fast
    to PNG, by input size. The server splits from ``render.SPLIT_FROM`` output pixels."""
    from ...server import engines, imageio
    from ...server.parallel import pool
    from ...server.parallel.render import SPLIT_FROM, STRIPS_PER_CORE, render

    rows, wins = [], []
    parts = pool.cores() * STRIPS_PER_CORE
    for side in CROSSOVER_SIDES:
        im = imageio.decode(photo_jpeg(side))
        whole, split = [], []
        for _ in range(rounds):
            whole.append(timed(lambda im=im: render(im, engines.CLASSIC_FAST, "png", parts=1))[0])
            split.append(timed(lambda im=im: render(im, engines.CLASSIC_FAST, "png", parts=parts))[0])
        out = (side * 4) ** 2
        ratio = min(split) / min(whole)
        rows.append(Row(f"{side}x{side} -> {side * 4}x{side * 4}: one piece", tuple(whole), f"{out / 1e6:.2f} MP"))
        rows.append(Row(f"{side}x{side} -> {side * 4}x{side * 4}: {parts} strips", tuple(split),
                        f"{ratio:.2f} of one piece"))
        if ratio < 0.9:
            wins.append(out)
    first = f"{min(wins):,} output pixels" if wins else "no size measured"
    verdict = (f"strips win by more than 10 % from {first}; the server splits from {SPLIT_FROM:,} "
               f"({'consistent' if wins and SPLIT_FROM / 2 <= min(wins) <= SPLIT_FROM * 2 else 'RE-MEASURE'})")
    return Section("Strips or one piece: where the split starts to pay (in process, ai.fast, PNG)", rows,
                   rows[0].name, verdict, [f"best of {rounds}; the ratio column divides by the first row"])
