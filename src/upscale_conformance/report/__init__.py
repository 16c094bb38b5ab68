"""What a person reads after a run: ``index.html`` (:mod:`.html`), and the check of ``summary.json``
against its versioned schema (``records/summary.schema.json``, documented in docs/report-format.md)."""

from __future__ import annotations

from ..records import files
from .html import render, write_html


def summary_problems(summary: dict) -> list[str]:
    """Where ``summary`` breaks the documented schema (empty: it keeps it)."""
    return files.problems("summary.json", summary)


__all__ = ["render", "summary_problems", "write_html"]
