"""The most an answer can be, derived from the largest input a contract profile accepts.

A 200 is the input enlarged 4x (seed: "AI Upscale increases the resolution of your input image by
4"), so the largest honest answer is 16 times the largest accepted input's pixels. Its bytes are
bounded by the worst encoding any export format allows: uncompressed, 4 channels of 16 bits
(8 bytes a pixel: a 16-bit RGBA PNG stored without compression), plus a quarter for the container
(PNG row filter bytes, stored-deflate block headers, metadata). With the documented ai.fast limit
(1,000,000 pixels, or 1000x1000):

    1,000,000 px x 16 = 16,000,000 px;  x 8 B = 128,000,000 B;  x 1.25 = 160,000,000 B.

Error bodies are small JSON documents ({"error": {"message": ...}}): 1 MiB is far past any honest
one and reads in milliseconds. Decoding is bounded the same way, in pixels: a header that claims
more than 16x the largest input (+25 %) is not decoded at all, whatever Pillow would allow.

>>> b = AnswerBounds.for_input_pixels(1_000_000)
>>> b.answer_bytes, b.answer_pixels, b.error_bytes
(160000000, 20000000, 1048576)
"""

from __future__ import annotations

from dataclasses import dataclass

from ...contract import SCALE, Limit, Profile

BYTES_PER_PIXEL = 8  # 4 channels x 16 bits: the widest pixel any export format stores
MARGIN = 1.25  # container overhead (PNG filter bytes, deflate stored blocks, metadata) and rounding
ERROR_BYTES = 1 << 20
DOCUMENTED_LARGEST_INPUT = 1_000_000  # seed: 1,000x1,000 for ai.fast; CONTRACT-NOTES: 1,000,000 pixels


@dataclass(frozen=True)
class AnswerBounds:
    answer_bytes: int  # a 200's body
    answer_pixels: int  # what a 200's image header may claim before it is refused undecoded
    error_bytes: int = ERROR_BYTES  # any other status's body

    def body_bytes(self, status: int) -> int:
        """The most of a body with this status that is read: a 200 is an image, anything else an error."""
        return self.answer_bytes if status == 200 else self.error_bytes

    @classmethod
    def for_input_pixels(cls, pixels: int) -> AnswerBounds:
        out = pixels * SCALE * SCALE
        return cls(int(out * BYTES_PER_PIXEL * MARGIN), int(out * MARGIN))


def largest_input_pixels(limit: Limit) -> int:
    return limit.max_pixels if limit.kind == "pixels" else limit.max_width * limit.max_height


def bounds_for(profile: Profile | None) -> AnswerBounds:
    """The bounds for a profile's largest accepted input (never below the documented one)."""
    largest = max([DOCUMENTED_LARGEST_INPUT, *(largest_input_pixels(lim) for lim in
                                               (profile.limits.values() if profile else ()))])
    return AnswerBounds.for_input_pixels(largest)


DEFAULT_BOUNDS = AnswerBounds.for_input_pixels(DOCUMENTED_LARGEST_INPUT)
