"""``index.html`` for the other report folders (``selfcheck``, ``monitor``): the same look as a run's
page, a banner with the exit code's meaning, a table, and the Markdown digest beside it as text."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

# The look every page of the report shares (a run's index.html, these folders' pages, the history page).
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}.meta{color:#555}
.banner{padding:.8em 1em;border-radius:6px;font-size:1.2em;margin:1em 0;color:#fff}
.b0{background:#2e7d32}.b1{background:#c62828}.b2{background:#6d4c41}.b3{background:#ef6c00}.bknown{background:#8e24aa}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.35em .5em;text-align:left;
vertical-align:top}th{background:#f4f4f4}.PASS{color:#2e7d32}.FAIL{color:#c62828;font-weight:bold}
.OBSERVED{color:#00838f}.KNOWN{color:#8e24aa;font-weight:bold}.INCONCLUSIVE{color:#ef6c00}.BLOCKED{color:#ef6c00;font-weight:bold}.NOTRUN{color:#888}
section{margin:2em 0;padding-top:.5em;border-top:2px solid #eee}pre{background:#f7f7f7;padding:.6em;
overflow-x:auto;white-space:pre-wrap}figure{display:inline-block;margin:.5em 1em .5em 0}
figcaption{color:#555;font-size:.9em}img{max-width:360px;border:1px solid #ccc}
"""


def escape(value: Any) -> str:
    """``value`` as text safe inside an element or a quoted attribute."""
    return html.escape(str(value), quote=True)


def data_uri(png: bytes) -> str:
    """A PNG as a data URI: the pages carry their pictures inline, so they open with nothing beside them."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def write_page(folder: str | Path, title: str, exit_code: int, meaning: str, headers: list[str],
               rows: list[list[object]], digest: str = "") -> Path:
    """Write ``folder/index.html``: self-contained, no script, no external asset."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    banner = exit_code if exit_code in (0, 1, 2, 3) else 3
    page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
            f'<div class="banner b{banner}">exit {exit_code}: {escape(meaning)}</div>'
            f"<table><tr>{head}</tr>{body}</table>"
            + (f"<section><h2>Digest</h2><pre>{escape(digest)}</pre></section>" if digest else "")
            + "</body></html>\n")
    path = Path(folder) / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
