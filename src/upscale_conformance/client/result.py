"""What came back from the target, decoded lazily and under the guard's bounds."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from PIL import Image

from .guard import decode_bounded, header
from .guard.bounds import DEFAULT_BOUNDS


@dataclass
class UpscaleResult:
    """What came back: status, headers, bytes, and the decoded image or why it did not decode."""

    status: int
    headers: dict[str, str]
    content: bytes
    elapsed: float
    attempts: int = 1
    from_cache: bool = False
    request: str = ""
    curl: str = ""  # how to send the same request by hand (the key stays in the environment)
    asked: dict[str, str] = field(default_factory=dict)  # what the request asked for (UpscaleRequest.asked)
    max_pixels: int = DEFAULT_BOUNDS.answer_pixels  # a header claiming more is not decoded (guard.decoding)

    @property
    def billable(self) -> bool:
        """The vendor charges only for successful calls."""
        return self.status == 200

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @cached_property
    def error_body(self) -> Any:
        """The parsed JSON body of a non-200 answer (None if it is not JSON)."""
        if self.status == 200:
            return None
        try:
            return json.loads(self.content)
        except ValueError:
            return None

    @cached_property
    def _decoded(self) -> tuple[Image.Image | None, str | None, str | None]:
        return decode_bounded(self.content, self.max_pixels)

    @property
    def image(self) -> Image.Image | None:
        """The decoded image; None if the bytes do not decode or the header claims too many pixels."""
        return self._decoded[0]

    @property
    def decode_error(self) -> str | None:
        return self._decoded[1]

    @property
    def refused(self) -> str | None:
        """Why an image was left undecoded: its header claims more pixels than any answer may have.
        Not a decoding failure (it may be a valid image): the size check judges it."""
        return self._decoded[2]

    @cached_property
    def _header(self) -> tuple[int, int, str] | None:
        return header(self.content)  # read once: the checks ask for size and format many times

    @property
    def size(self) -> tuple[int, int] | None:
        """Width and height from the image header, without a full decode."""
        return None if self._header is None else self._header[:2]

    @property
    def format(self) -> str | None:
        """The format the bytes really are (PNG, JPEG, WEBP, AVIF), by Pillow's sniffing."""
        return None if self._header is None else self._header[2]
