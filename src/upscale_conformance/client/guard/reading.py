"""Reading an answer's body with a cap on its bytes and a wall-clock deadline.

httpx's read timeout is per read: a target that trickles a byte a second never trips it, and one
that streams an endless body fills memory. Here every chunk counts against both bounds.

>>> read_capped(iter([b"ab", b"cd"]), limit=4, deadline=float("inf"), what="the answer")
b'abcd'
>>> read_capped(iter([b"ab", b"cde"]), limit=4, deadline=float("inf"), what="the answer")
Traceback (most recent call last):
...
upscale_conformance.errors.AnswerTooLarge: the answer went past 4 bytes; reading stopped there
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from ...errors import AnswerTimedOut, AnswerTooLarge


def read_capped(chunks: Iterable[bytes], *, limit: int, deadline: float, what: str,
                declared: str | None = None, clock: Callable[[], float] = time.monotonic) -> bytes:
    """The whole body, or :class:`AnswerTooLarge` past ``limit`` bytes (at once if the declared
    Content-Length says so) or :class:`AnswerTimedOut` past ``deadline`` (a ``clock`` reading)."""
    if declared and declared.strip().isdigit() and int(declared) > limit:
        raise AnswerTooLarge(f"{what} declared {int(declared):,} bytes, past {limit:,}; nothing of it was read")
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise AnswerTooLarge(f"{what} went past {limit:,} bytes; reading stopped there")
        parts.append(chunk)
        if clock() > deadline:
            raise AnswerTimedOut(f"{what} was still arriving at the time limit ({size:,} bytes so far)")
    return b"".join(parts)
