"""Decoding an answer without letting its header decide how much memory is allocated.

Pillow refuses headers past twice ``Image.MAX_IMAGE_PIXELS`` (about 179 million pixels) at open,
and only warns below that; an answer's image may allocate up to 8 bytes a pixel. Here a header that
claims more pixels than the largest answer the contract allows is refused before any pixel data is
read, so a 12000x12000 header costs nothing either.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image


def decode_bounded(content: bytes, max_pixels: int) -> tuple[Image.Image | None, str | None, str | None]:
    """``(image, decode_error, refused)``: ``refused`` says why a plausible image was not decoded
    (its header claims more pixels than any answer may have), ``decode_error`` why the bytes are not
    an image at all."""
    claimed = header(content)
    if claimed is not None and claimed[0] * claimed[1] > max_pixels:
        width, height = claimed[:2]
        return None, None, (f"not decoded: its header claims {width}x{height} = {width * height:,} pixels, "
                            f"more than the largest answer the contract allows ({max_pixels:,})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # judged above, on our bound
            im = Image.open(io.BytesIO(content))
            im.load()
    except Exception as exc:  # any decoder failure is evidence, not a crash
        return None, f"{type(exc).__name__}: {exc}", None
    return im, None, None


def header(content: bytes) -> tuple[int, int, str] | None:
    """``(width, height, format)`` from the image header, no pixel decoded; None if not an image.

    Pillow's ``open`` refuses a header past twice ``MAX_IMAGE_PIXELS`` before saying its size, so for
    those the format plugins whose magic number matches read the header themselves (what ``open``
    does, minus the bomb check): a 60000x60000 answer is named as such, not as "no image"."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as im:
                return im.width, im.height, im.format
    except Image.DecompressionBombError:
        pass
    except Exception:
        return None
    Image.init()
    for fmt in Image.ID:
        factory, accept = Image.OPEN[fmt]
        if accept is not None and not accept(content[:64]):
            continue
        try:
            with factory(io.BytesIO(content), "") as im:
                return im.width, im.height, im.format
        except Exception:
            continue
    return None


def header_size(content: bytes) -> tuple[int, int] | None:
    """Width and height the header claims (no pixel is decoded); None if the bytes are not an image."""
    found = header(content)
    return None if found is None else found[:2]
