"""Pictures the tests upscale and read back, and one edit through the second implementation in process."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from tests.support import alt_impl

KEY = "alt-test-key-5150"


def picture(width: int, height: int, alpha: bool = False) -> Image.Image:
    """Gradients, a checker and a bright corner: any flip, shift or colour change shows."""
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([x * 255 // max(1, width - 1), y * 255 // max(1, height - 1),
                    np.where((x // 4 + y // 4) % 2, 70, 190)], axis=-1).astype(np.uint8)
    rgb[: height // 4, : width // 4] = (240, 230, 30)
    im = Image.fromarray(rgb, "RGB")
    if alpha:
        im.putalpha(Image.fromarray(np.where(x < width // 3, 0, 255).astype(np.uint8), "L"))
    return im


def encode(im: Image.Image, fmt: str = "PNG", **params) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def opened(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def run_edit(image: bytes, mode: str = "ai.fast", version: str | None = None, **fields) -> tuple[Image.Image, str]:
    parts = {"imageFile": image, "upscale.mode": mode.encode(), "removeBackground": b"false"}
    parts.update({k.replace("_", "."): v.encode() for k, v in fields.items()})
    data, content_type, _ = alt_impl.edit(parts, version, alt_impl.Options(KEY))
    return opened(data), content_type
