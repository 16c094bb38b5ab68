"""``index.html``: one self-contained page a person reads to see *why* a run ended as it did.

Everything is inline (styles, and images as data URIs, shrunk to thumbnails), so the page opens from
``file://`` with no server, no network and no file beside it. It is rendered from ``summary.json``
and the evidence files the run wrote, so ``upscale-conformance report`` can render it again later.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from PIL import Image

from ..verdicts import BLOCKED, FAIL, INCONCLUSIVE, KNOWN, NOT_RUN, OBSERVED, PASS
from .pages import STYLE, data_uri, escape
from .summary import EXIT_MEANING, coverage_line, outage_line, smallest_input_line

SECTION_ORDER = {FAIL: 0, KNOWN: 1, BLOCKED: 2, INCONCLUSIVE: 3, OBSERVED: 4, NOT_RUN: 5, PASS: 6}  # why first
THUMB_SIDE = 360  # px: pictures stay readable and the page stays small


def thumbnail_uri(path: str | Path) -> str | None:
    """A PNG data URI of the image at ``path``, shrunk to a thumbnail (None if it cannot be read)."""
    try:
        with Image.open(path) as im:
            im.thumbnail((THUMB_SIDE, THUMB_SIDE))
            buf = io.BytesIO()
            im.convert("RGBA" if "A" in im.getbands() else "RGB").save(buf, "PNG", optimize=True)
    except (OSError, ValueError):
        return None
    return data_uri(buf.getvalue())


def _figures(evidence: dict[str, Any], base: Path) -> str:
    out = []
    for key, caption in (("input_image", "input"), ("output_image", "output"), ("golden_image", "golden"),
                         ("diff_image", "input | output | golden | difference")):
        path = evidence.get(key)
        if not path:
            continue
        path = Path(path) if Path(path).is_absolute() else base / path
        uri = thumbnail_uri(path)
        if uri:
            out.append(f'<figure><img alt="{escape(caption)}" src="{uri}">'
                       f'<figcaption>{escape(caption)}</figcaption></figure>')
    return "".join(out)


def _evidence_block(item: dict[str, Any], base: Path) -> str:
    detail = item.get("evidence") or {}
    shown = {k: v for k, v in detail.items() if k not in ("curl", "bundle") and not k.endswith("_image")}
    parts = [f"<p><b>{escape(item.get('code', ''))}</b>: {escape(item.get('message', ''))}</p>", _figures(detail, base)]
    smallest = smallest_input_line(detail)
    if smallest:
        parts.insert(1, f'<p class="smallest">{escape(smallest)}</p>')
        reproduce = (detail.get("hypothesis") or {}).get("reproduce", "")
        if reproduce:
            parts.append(f"<p>Hypothesis's failing example:</p><pre>{escape(reproduce)}</pre>")
        shown.pop("hypothesis", None)  # shown once, readable, above
    if shown:
        parts.append(f"<pre>{escape(json.dumps(shown, indent=2, default=str)[:3000])}</pre>")
    if detail.get("curl"):
        parts.append(f"<p>Reproduce (the key is read from your environment):</p><pre>{escape(detail['curl'])}</pre>")
    if detail.get("bundle"):  # the curl line's files are there: cd into it, or run its curl.sh
        parts.append(f"<p>Bundle: <code>{escape(detail['bundle'])}</code> (the request's files, the answer, the check; "
                     f"<code>cd {escape(detail['bundle'])}</code> to run the line above, or <code>./curl.sh</code>; "
                     f"<code>upscale-conformance replay {escape(detail['bundle'])}</code>)</p>")
    return "".join(parts)


def _outages(outages: list[dict[str, Any]]) -> str:
    """The target's outages: why clauses are INCONCLUSIVE (docs/must-audit.md, "An outage is never a failure")."""
    items = [f"<li>{escape(outage_line(o))}</li>" for o in outages]
    return f'<section id="outages"><h2>The target was down</h2><ul>{"".join(items)}</ul></section>' if items else ""


_KNOWN_STATE = {"known": "accepts a failure of this run", "expired": "expired on {expires}: its failures count again",
                "passing": "matched nothing and its clauses passed: remove it",
                "not seen": "matched nothing, but its clauses were not all judged"}


def _known_failures(section: dict[str, Any] | None) -> str:
    """The known-failures file's entries and what each did this run."""
    if not section:
        return ""
    items = []
    for e in section["entries"]:
        # Only a web address becomes a link: the file is the user's, the page may be shared.
        web = e["link"].startswith(("https://", "http://"))
        link = (f' (<a href="{escape(e["link"])}">{escape(e["link"])}</a>)' if web else
                f" ({escape(e['link'])})" if e["link"] else "")
        state = _KNOWN_STATE[e["state"]].format(expires=e["expires"])
        items.append(f"<li>line {e['line']} <code>{escape(e['match'])}</code>: {escape(e['reason'])}{link}, until "
                     f"{escape(e['expires'])} &mdash; <b>{escape(state)}</b></li>")
    items += [f"<li><code>{escape(fp)}</code>: <b>not known</b>, no entry matches this failing finding</li>"
              for fp in section.get("unmatched", ())]
    return (f'<section id="known-failures"><h2>Known failures ({escape(section.get("file", ""))})</h2>'
            f'<ul>{"".join(items)}</ul></section>')


def render(summary: dict[str, Any], base: Path) -> str:
    """The page for ``summary``; ``base`` is the report folder (evidence paths are resolved from it)."""
    code = int(summary.get("exit_code", 3))
    planned = summary.get("planned")
    cost = f"{summary.get('calls_spent', 0)} calls, {summary.get('calls_billable', 0)} billable"
    if planned:
        cost += f" (planned {planned['calls']}, {planned['billable']} billable)"
    # A conformant run with known failures is not the clean green (report.summary.verdict_style).
    banner = "known" if code == 0 and any(c["verdict"] == KNOWN for c in summary["clauses"].values()) else code
    coverage = coverage_line(summary)
    rows, sections = [], []
    for cid, c in summary["clauses"].items():
        verdict = c["verdict"]
        first = (c["evidence"] or [{}])[0].get("message", "") or c.get("reason", "") or "; ".join(
            sorted({o["summary"] for o in c.get("observations", [])}))[:200]
        rows.append(f'<tr><td><a href="#{escape(cid)}">{escape(cid)}</a></td><td>{escape(c["level"])}</td>'
                    f'<td class="{escape(verdict.replace(" ", ""))}">{escape(verdict)}</td><td>{c["tests"]}</td>'
                    f'<td>{c["cases"]}</td><td>{c["calls"]}</td><td>{escape(first[:200])}</td></tr>')
        if (verdict == PASS and not c.get("observations")) or (verdict == NOT_RUN and not c["evidence"]
                                                               and not c.get("reason")):
            continue
        body = "".join(_evidence_block(item, base) for item in c["evidence"])
        if c.get("reason") and not c["evidence"]:  # why it was not judged, when no finding says it
            body = f'<p class="reason">not judged: {escape(c["reason"])}</p>'
        observed = "".join(f"<li>{escape(o['summary'])}</li>" for o in c.get("observations", []))
        css = escape(verdict.replace(" ", ""))
        known = ""
        if c.get("known"):
            entries = {e["line"]: e for e in (summary.get("known_failures") or {}).get("entries", [])}
            known = "".join(f"<p>Known (line {n}): {escape(entries[n]['reason'])}, "
                            f"until {escape(entries[n]['expires'])}</p>"
                            for n in c["known"] if n in entries)
        text = (f'<section id="{escape(cid)}"><h2>{escape(cid)} <span class="{css}">{escape(verdict)}</span></h2>'
                f'<p>{escape(c.get("promise", ""))}</p>{known}{body}'
                + (f"<h3>Observed</h3><ul>{observed}</ul>" if observed else "") + "</section>")
        sections.append((SECTION_ORDER.get(verdict, 9), text))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>upscale-conformance: {escape(summary.get('target', ''))}</title>
<style>{STYLE}</style></head><body>
<h1>AI Upscale conformance: {escape(summary.get('target', ''))}</h1>
<p class="meta">profile {escape(summary.get('profile', ''))} &middot; finished {escape(summary.get('finished', ''))}
 &middot; {escape(summary.get('tool', ''))}</p>
<div class="banner b{banner}">{escape(summary.get('verdict', EXIT_MEANING.get(code, '')))} (exit {code}:
 {escape(EXIT_MEANING.get(code, ''))}) &middot; {escape(cost)}</div>
{f'<p class="coverage">{escape(coverage)}</p>' if coverage else ''}
{_outages(summary.get('outages', []))}
{_known_failures(summary.get('known_failures'))}
<table><tr><th>clause</th><th>level</th><th>verdict</th><th>tests</th><th>cases</th><th>calls</th>
<th>first evidence</th></tr>{''.join(rows)}</table>
{''.join(text for _, text in sorted(sections, key=lambda s: s[0]))}
</body></html>
"""


def write_html(report_dir: str | Path) -> Path:
    """Render ``report_dir/index.html`` from ``report_dir/summary.json``; returns its path."""
    folder = Path(report_dir)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    path = folder / "index.html"
    path.write_text(render(summary, folder.resolve()), encoding="utf-8")
    return path
