"""``python -m upscale_conformance.server.quality``: the engines' PSNR table for the README.

Each test image is cropped to a multiple of 4, reduced 4x by box averaging (each output pixel the
mean of a 4x4 block), upscaled 4x by an engine, and compared with the original: a higher PSNR
means the engine restored more of the original. The box reduction is also the degradation that
ai.slow's back-projection assumes, which favours it; the table is a sanity check of the documented
ordering (slow above fast), not a benchmark of upscalers.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image
from rich.console import Console
from rich.table import Table

from .engines import ENGINES, SCALE, Engine

TEST_IMAGES = ("astronaut", "camera", "coffee", "chelsea", "rocket")  # bundled with scikit-image


def load_test_image(name: str) -> Image.Image:
    from skimage import data

    return Image.fromarray(getattr(data, name)())


def psnr(a: Image.Image, b: Image.Image) -> float:
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    mse = float(((x - y) ** 2).mean())
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


def round_trip_psnr(original: Image.Image, engine: Engine) -> float:
    """PSNR of ``engine``'s 4x of the 4x box-reduced ``original`` against the original."""
    w, h = original.width // SCALE * SCALE, original.height // SCALE * SCALE
    original = original.crop((0, 0, w, h))
    return psnr(engine.upscale(original.reduce(SCALE)), original)


def quality_table(names: tuple[str, ...] = TEST_IMAGES) -> dict[str, dict[str, float]]:
    """PSNR in dB by image, then by engine name."""
    return {name: {e.name: round_trip_psnr(load_test_image(name), e) for e in ENGINES} for name in names}


def main() -> None:
    results = quality_table()
    table = Table(title="Round-trip PSNR (dB): 4x box reduce, then the engine's 4x; higher is better")
    table.add_column("image")
    for engine in ENGINES:
        table.add_column(engine.name, justify="right")
    for name, row in results.items():
        table.add_row(name, *(f"{row[e.name]:.2f}" for e in ENGINES))
    means = [sum(row[e.name] for row in results.values()) / len(results) for e in ENGINES]
    table.add_row("mean", *(f"{m:.2f}" for m in means), style="bold")
    console = Console()
    console.print(table)
    for engine in ENGINES:
        console.print(f"  {engine.name}: {engine.method}", highlight=False)


if __name__ == "__main__":
    main()
