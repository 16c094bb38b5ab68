"""What a person reads after a run: ``index.html`` (:mod:`.html`), and the versioned schema of
``summary.json`` that CI systems read (``summary.schema.json``, documented in docs/report-format.md)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from .html import render, write_html

SCHEMA_PATH = Path(__file__).with_name("summary.schema.json")


@cache
def summary_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def summary_problems(summary: dict) -> list[str]:
    """Where ``summary`` breaks the documented schema (empty: it keeps it)."""
    from jsonschema import Draft202012Validator

    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in Draft202012Validator(summary_schema()).iter_errors(summary)]


__all__ = ["SCHEMA_PATH", "render", "summary_problems", "summary_schema", "write_html"]
