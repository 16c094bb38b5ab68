"""The one way a test edits a file of its copy of contracts/ (the ``contract_copy`` fixture, tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))
