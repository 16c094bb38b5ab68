"""Surviving a hostile target: how much of an answer the suite reads and decodes, how long it waits,
and what it says while it waits. Whatever a target sends, a run stays in bounded memory and time
(docs/robustness.md)."""

from .bounds import AnswerBounds, bounds_for
from .decoding import decode_bounded, header, header_size
from .reading import read_capped
from .watch import Watch

__all__ = ["AnswerBounds", "Watch", "bounds_for", "decode_bounded", "header", "header_size", "read_capped"]
