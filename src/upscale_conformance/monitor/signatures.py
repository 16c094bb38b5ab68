"""Perceptual signatures inside a record: :class:`perceptual.Signature` to JSON and back.

The record must be one self-contained file (it becomes the next run's baseline), so the three
small images of a signature (a 64 px thumbnail and two 64x64 patches) travel as base64 PNG.

>>> from PIL import Image
>>> from upscale_conformance import perceptual as pc
>>> im = Image.new("RGB", (40, 30), (200, 80, 20))
>>> out = im.resize((160, 120))
>>> back = signature_from_dict(signature_to_dict(pc.signature(im, out)))
>>> back.width, back.height, back.detail.size
(160, 120, (64, 64))
"""

from __future__ import annotations

import base64
import io
from typing import Any

from PIL import Image

from .. import perceptual as pc


def _png64(im: Image.Image) -> str:
    return base64.b64encode(pc.png_bytes(im)).decode("ascii")


def _image(text: str) -> Image.Image:
    with Image.open(io.BytesIO(base64.b64decode(text))) as im:
        im.load()
        return im.copy()


def signature_to_dict(sig: pc.Signature) -> dict[str, Any]:
    return {
        "width": sig.width,
        "height": sig.height,
        "hashes": sig.hashes.as_dict(),
        "bands": {k: float(f"{v:.6g}") for k, v in sig.bands.items()},
        "thumb_png": _png64(sig.thumb),
        "detail_png": _png64(sig.detail),
        "detail_box": list(sig.detail_box),
        "flat_png": _png64(sig.flat),
        "flat_box": list(sig.flat_box),
    }


def signature_from_dict(data: dict[str, Any]) -> pc.Signature:
    return pc.Signature(
        data["width"], data["height"], pc.ImageHashes(**data["hashes"]), _image(data["thumb_png"]),
        _image(data["detail_png"]), tuple(data["detail_box"]), _image(data["flat_png"]), tuple(data["flat_box"]),
        dict(data["bands"]),
    )
