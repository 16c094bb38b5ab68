"""EXIF orientation, in one place: the tag, which values turn the picture by 90 degrees, how to read
the value safely, and how to turn an upright picture into the pixels stored under a given tag.

Used by the strategies (inputs stored under any orientation), the checks and the Schemathesis suite
(the size a viewer sees), and the reference server and its faults (decoding, ``ignore_exif``).

>>> shown_size((40, 30), 6), shown_size((40, 30), 3)
((30, 40), (40, 30))
"""

from __future__ import annotations

import io

from PIL import Image

TAG = 0x0112
SWAPS_AXES = frozenset({5, 6, 7, 8})  # the stored image is the transpose of what a viewer shows
# The inverse of what ImageOps.exif_transpose does for each value: upright pixels -> stored pixels.
TO_STORED = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def read(im: Image.Image) -> int:
    """The orientation an opened image declares, 1 when none, corrupt or out of range.

    A PNG's ``getexif()`` decodes the whole image when no eXIf chunk came before the pixel data, so for
    a PNG only the header's chunks count (a giant or hostile PNG is never decoded to read a tag).
    """
    if im.format == "PNG" and "exif" not in im.info:
        return 1
    try:
        value = im.getexif().get(TAG, 1)
    except Exception:  # a corrupt EXIF block is no reason to refuse the pixels
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def of_bytes(data: bytes) -> int:
    """The orientation of encoded image bytes (1 when they are no image)."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return read(im)
    except Exception:
        return 1


def shown_size(stored: tuple[int, int], orientation: int) -> tuple[int, int]:
    """The size a viewer shows for pixels stored as ``stored`` under ``orientation``."""
    w, h = stored
    return (h, w) if orientation in SWAPS_AXES else (w, h)


def to_stored(upright: Image.Image, orientation: int) -> Image.Image:
    """The pixels to store so that a viewer applying ``orientation`` shows ``upright``; also what
    undoes an applied orientation (``ignore_exif``: the picture as if the tag were never read)."""
    step = TO_STORED.get(orientation)
    return upright if step is None else upright.transpose(step)
