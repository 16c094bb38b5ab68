"""``index.html`` for the other report folders (``selfcheck``, ``monitor``): the same look as a run's
page, a banner with the exit code's meaning, a table, and the Markdown digest beside it as text."""

from __future__ import annotations

from pathlib import Path

from .html import STYLE, _e


def write_page(folder: str | Path, title: str, exit_code: int, meaning: str, headers: list[str],
               rows: list[list[object]], digest: str = "") -> Path:
    """Write ``folder/index.html``: self-contained, no script, no external asset."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    banner = exit_code if exit_code in (0, 1, 2, 3) else 3
    page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f"<style>{STYLE}</style></head><body><h1>{_e(title)}</h1>"
            f'<div class="banner b{banner}">exit {exit_code}: {_e(meaning)}</div>'
            f"<table><tr>{head}</tr>{body}</table>"
            + (f"<section><h2>Digest</h2><pre>{_e(digest)}</pre></section>" if digest else "")
            + "</body></html>\n")
    path = Path(folder) / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
