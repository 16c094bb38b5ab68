"""``imageFile``: real pictures within the limit of every mode, of many sizes, colour modes, formats and
EXIF orientations, registered as Schemathesis's strategy for the part's content types."""

from __future__ import annotations

import random
from collections.abc import Iterable

import schemathesis
from hypothesis import strategies as st

from ...contract import MODES, ORDINARY_MAX_ASPECT, Limit, Profile
from ...strategies import ImageCase, modes_for

# What a generated input may cost: the reference server answers a 256x256 input in well under a
# second in any mode; the vendor bills per call, not per pixel. Limits are the limits suite's job.
MIN_SIDE = 8
MAX_SIDE = 512
MAX_PIXELS = 256 * 256
TYPICAL = (120, 90)  # where shrinking ends: an ordinary landscape picture
MAX_ASPECT = ORDINARY_MAX_ASPECT  # wider than 4:1 is an "extreme aspect ratio", which the contract leaves unknown
# Part content type -> Pillow format, as declared by the document's `encoding.imageFile.contentType`.
PART_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


def _fits_everywhere(limits: Iterable[Limit], w: int, h: int) -> bool:
    # Both ways round: whether limits apply to the stored or the oriented size is an unknown (LIMIT-ORIENTED).
    return all(lim.accepts(w, h) and lim.accepts(h, w) for lim in limits)


def tallest(limits: Iterable[Limit], width: int) -> int:
    """The tallest height for ``width`` within the cost caps, the aspect cap and every limit (0: none)."""
    limits = tuple(limits)
    lo, hi = MIN_SIDE, min(MAX_SIDE, MAX_PIXELS // width, width * MAX_ASPECT)
    if hi < lo or not _fits_everywhere(limits, width, lo):
        return 0
    while lo < hi:  # acceptance only shrinks as the height grows: bisect for the last accepted height
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if _fits_everywhere(limits, width, mid) else (lo, mid - 1)
    return lo


def widest(limits: Iterable[Limit]) -> int:
    """The widest width that has any accepted height (0: no input fits)."""
    limits = tuple(limits)
    if not tallest(limits, MIN_SIDE):
        return 0
    lo, hi = MIN_SIDE, MAX_SIDE
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if tallest(limits, mid) else (lo, mid - 1)
    return lo


def size_from_index(limits: tuple[Limit, ...], index: int) -> tuple[int, int]:
    """The input size numbered ``index``: 0 is an ordinary landscape picture (where shrinking ends),
    any other number a pseudo-random size of any shape up to 4:1 that every limit accepts.

    Sizes are drawn through a number, not as two integers, because Hypothesis favours the bounds
    of an integer range: drawn directly, a third of the widths were the smallest one.
    """
    top = widest(limits)
    if not top:
        raise ValueError(f"no input of at least {MIN_SIDE}x{MIN_SIDE} fits the profile's limits")
    rng = random.Random(index)
    width = min(TYPICAL[0], top) if index == 0 else rng.randint(MIN_SIDE, top)
    high = tallest(limits, width)
    low = min(high, max(MIN_SIDE, -(-width // MAX_ASPECT)))
    height = min(max(width * TYPICAL[1] // TYPICAL[0], low), high) if index == 0 else rng.randint(low, high)
    return width, height


@st.composite
def image_cases_within(draw, limits: tuple[Limit, ...], fmt: str) -> ImageCase:
    """An :class:`ImageCase` in ``fmt`` that every limit accepts, of any shape up to 4:1, in any EXIF
    orientation and any colour mode the format can hold."""
    width, height = size_from_index(limits, draw(st.integers(0, 2**24)))
    return ImageCase(
        width=width,
        height=height,
        seed=draw(st.integers(0, 2**20)),
        mode=draw(st.sampled_from(modes_for(fmt))),
        fmt=fmt,
        orientation=draw(st.integers(1, 8)),
    )


def image_files(profile: Profile, fmt: str) -> st.SearchStrategy[bytes]:
    """Encoded images for ``imageFile`` in ``fmt``, accepted by every mode of ``profile``."""
    limits = tuple(profile.limit(m) for m in MODES)
    return image_cases_within(limits, fmt).map(lambda case: case.encode())


def register_image_media_types(profile: Profile) -> None:
    """Give each part content type of ``imageFile`` its image strategy (replacing the 1x1 sample file).

    Schemathesis keeps these in a process-wide registry; registering again replaces them, so the
    last profile registered wins (one profile per pytest session).
    """
    for content_type, fmt in PART_FORMATS.items():
        schemathesis.openapi.media_type(content_type, image_files(profile, fmt))
