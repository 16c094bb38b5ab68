"""Small pictures of a request and its answer, written beside a report when a check fails on them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image

from .. import perceptual as pc

SIDE = 256  # px: enough to see a mirror, a cast or a blank; small enough for many in one page


def _thumb(image: Image.Image, path: Path) -> str:
    im = pc.to_rgba(image) if pc.has_alpha(image) else pc.to_rgb(image)
    im.thumbnail((SIDE, SIDE))
    im.save(path, "PNG", optimize=True)
    return str(path)


def save_exchange(request, result, folder: Path, test_id: str) -> dict[str, str]:
    """``input_image`` and ``output_image`` paths (each only if it decodes); nothing if neither does."""
    folder = Path(folder)
    stem = hashlib.sha1(test_id.encode()).hexdigest()[:10] + "-" + hashlib.sha1(result.content[:4096]).hexdigest()[:6]
    out: dict[str, str] = {}
    if request.image:
        try:
            out["input_image"] = _thumb(pc.open_image(request.image), folder / f"{stem}-in.png")
        except Exception:  # an undecodable input is itself the evidence; there is nothing to picture
            pass
    if result.image is not None:
        out["output_image"] = _thumb(pc.open_image(result.image), folder / f"{stem}-out.png")
    return out
