"""The diff image for reports: input, golden, output and a heat map, side by side."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from .images import SCALE, float_array, luminance, png_bytes, to_rgb
from .signatures import Signature, signature

PANEL = 160


def _heat(a: Image.Image, b: Image.Image, gain: float = 4.0) -> Image.Image:
    """Per-pixel luminance difference as a black-red-yellow-white heat map (gain: small errors show)."""
    if a.size != b.size:
        b = b.resize(a.size, Image.Resampling.LANCZOS)
    d = np.abs(luminance(float_array(to_rgb(a))) - luminance(float_array(to_rgb(b)))) * gain / 255.0
    d = np.clip(d, 0, 1)
    rgb = np.stack([np.clip(d * 3, 0, 1), np.clip(d * 3 - 1, 0, 1), np.clip(d * 3 - 2, 0, 1)], axis=2)
    return Image.fromarray((rgb * 255).astype(np.uint8))


def _panel(im: Image.Image, label: str, height: int = PANEL) -> Image.Image:
    rgb = to_rgb(im)
    width = max(1, round(rgb.width * height / rgb.height))
    resample = Image.Resampling.NEAREST if rgb.height < height / 2 else Image.Resampling.LANCZOS
    tile = Image.new("RGB", (width, height + 14), (255, 255, 255))
    tile.paste(rgb.resize((width, height), resample), (0, 14))
    ImageDraw.Draw(tile).text((2, 1), label, fill=(0, 0, 0))
    return tile


def _row(tiles: list[Image.Image]) -> Image.Image:
    gap = 6
    row = Image.new("RGB", (sum(t.width for t in tiles) + gap * (len(tiles) - 1), max(t.height for t in tiles)),
                    (255, 255, 255))
    x = 0
    for t in tiles:
        row.paste(t, (x, 0))
        x += t.width + gap
    return row


def diff_image(input_im: Image.Image, output_im: Image.Image, golden: Signature | None = None) -> bytes:
    """A PNG for reports: input | golden | output | heat map, then the same for the detail and the
    flat patch. Without a golden the reference is the input and the heat map shows the round trip.
    """
    rows = []
    if golden is not None:
        candidate = signature(input_im, output_im)
        rows.append(_row([_panel(input_im, "input"), _panel(golden.thumb, "golden"),
                          _panel(candidate.thumb, "output"), _panel(_heat(golden.thumb, candidate.thumb), "diff x4")]))
        for name, box, gold, cand in (("detail", golden.detail_box, golden.detail, candidate.detail),
                                      ("flat", golden.flat_box, golden.flat, candidate.flat)):
            x0, y0, x1, y1 = box
            window = to_rgb(input_im).crop((x0 // SCALE, y0 // SCALE, x1 // SCALE, y1 // SCALE))
            rows.append(_row([_panel(window, f"input {name}"), _panel(gold, f"golden {name}"),
                              _panel(cand, f"output {name}"), _panel(_heat(gold, cand, 8.0), "diff x8")]))
    else:
        down = to_rgb(output_im).resize(input_im.size, Image.Resampling.BOX)
        rows.append(_row([_panel(input_im, "input"), _panel(output_im, "output"),
                          _panel(down, "output / 4"), _panel(_heat(to_rgb(input_im), down), "diff x4")]))
    sheet = Image.new("RGB", (max(r.width for r in rows), sum(r.height for r in rows) + 6 * (len(rows) - 1)),
                      (255, 255, 255))
    y = 0
    for r in rows:
        sheet.paste(r, (0, y))
        y += r.height + 6
    return png_bytes(sheet)
