"""Keeping the API key out of every output: a wrapper whose repr never shows it, and a scrubber."""

from __future__ import annotations

import os


class Secret:
    """An API key. ``str()`` and ``repr()`` are redacted; ``reveal()`` is the only way to the value.

    >>> key = Secret("sk_live_abc123")
    >>> repr(key), str(key), f"{key}"
    ("Secret('***')", '***', '***')
    >>> key.reveal()
    'sk_live_abc123'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str | None):
        self._value = value or ""

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret(None)"

    def __str__(self) -> str:
        return "***" if self._value else ""

    __format__ = lambda self, spec: str(self)  # noqa: E731 - f-strings must not reveal either

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def scrub(self, text: str) -> str:
        """Replace every occurrence of the key in ``text``."""
        return text.replace(self._value, "***") if self._value else text

    @classmethod
    def from_sources(cls, flag: str | None = None) -> Secret:
        """The key from a flag, else from $PHOTOROOM_API_KEY."""
        return cls(flag or os.environ.get("PHOTOROOM_API_KEY"))
