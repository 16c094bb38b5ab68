"""The schema suite's own Schemathesis check: a 200 is exactly 4x the EXIF-oriented input."""

from __future__ import annotations

import io

from PIL import Image
from schemathesis.core.failures import Failure

from ... import orientation
from ...checks import SCALE
from ...client.guard import header_size


class NotFourTimes(Failure):
    """A 200 whose image is not exactly 4x the EXIF-oriented input."""

    code = "ST901"
    kind_title = "Output is not exactly 4x the input"

    def __init__(self, *, operation: str, message: str, input_size, output_size, expected) -> None:
        super().__init__(operation=operation, message=message)
        self.input_size, self.output_size, self.expected = input_size, output_size, expected


def sent_image(case) -> bytes | None:
    body = case.body
    data = body.get("imageFile") if isinstance(body, dict) else None
    return bytes(data) if isinstance(data, (bytes, bytearray)) else None


def oriented_size(data: bytes) -> tuple[int, int] | None:
    """Width and height as a viewer shows them (EXIF orientation applied); None if not an image."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return orientation.shown_size(im.size, orientation.read(im))
    except Exception:
        return None


def describe_input(data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as im:
            tag = orientation.read(im)
            extra = f", EXIF {tag}" if tag != 1 else ""
            return f"{im.width}x{im.height} stored, {im.mode} {im.format}{extra}"
    except Exception:
        return f"{len(data)} bytes, not an image"


def output_size(content: bytes) -> tuple[int, int] | None:
    return header_size(content)  # from the header only: a giant claimed size is never allocated


def exactly_4x(ctx, response, case) -> bool | None:
    """Schemathesis check: a 200 answer to a decodable input is exactly 4x its oriented size."""
    if response.status_code != 200:
        return None
    data = sent_image(case)
    size = oriented_size(data) if data is not None else None
    if size is None:
        return None  # nothing decodable was sent; whether a 200 was right is negative_data_rejection's call
    want = (size[0] * SCALE, size[1] * SCALE)
    got = output_size(response.content)
    if got == want:
        return None
    shown = "no readable image" if got is None else f"{got[0]}x{got[1]}"
    raise NotFourTimes(operation=case.operation.label,
                       message=f"input {size[0]}x{size[1]} ({describe_input(data)}) gave {shown}, "
                               f"expected {want[0]}x{want[1]}",
                       input_size=size, output_size=got, expected=want)
