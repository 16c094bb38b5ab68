"""``review.html``: what changed against the goldens, grouped so a model change reads as one decision.

Rendered from a report folder's candidates (:mod:`upscale_conformance.goldens.candidates`). Self-contained
(inline style, images as data URIs) and usable with scripts off: golden and answer side by side, heat
maps and metrics are plain HTML; the slider and onion-skin views show a fixed half split without the
small inline script, which only makes their range inputs move them; flicker is pure CSS (a checkbox).

``#slider=N`` (0-100) in the page's URL sets every slider, so a link (or a test) can open it at a position.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from ..contract import MODEL_HEADER
from ..goldens.candidates import Candidate, Group, groups, load
from ..goldens.history import provenance
from ..goldens.thresholds import Thresholds
from ..perceptual.images import float_array, luminance, png_bytes, to_rgb
from .pages import data_uri, escape

VIEW = 256  # px: the 64 px patches shown pixelated, large enough to see a change
TILE = 8  # px of a patch per heat-map tile
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.4em;margin:.2em 0}.meta{color:#555}table{border-collapse:collapse}
th,td{border-bottom:1px solid #ddd;padding:.25em .5em;text-align:left}th{background:#f4f4f4}
.fail{color:#c62828;font-weight:bold}.warn{color:#ef6c00;font-weight:bold}.pass{color:#2e7d32}.info{color:#888}
.group{border:2px solid #ccc;border-radius:6px;padding:.6em 1em;margin:1em 0}.gid{font-family:monospace;
background:#eee;padding:0 .3em}.item{border-top:1px solid #ddd;margin-top:1em;padding-top:.6em}
figure{display:inline-block;margin:.3em .8em .3em 0;vertical-align:top}figcaption{color:#555;font-size:.9em}
img.px{width:256px;height:256px;image-rendering:pixelated;border:1px solid #ccc;display:block}
.stack{position:relative;width:258px;height:258px}.stack img{position:absolute;left:0;top:0}
.slider .top{clip-path:inset(0 0 0 var(--x,50%))}.onion .top{opacity:var(--o,.5)}
.flicker input:checked~.stack .top{animation:flick 1s steps(1) infinite}
@keyframes flick{50%{opacity:0}}input[type=range]{width:258px}code{background:#f4f4f4}
"""
SCRIPT = """
function set(el){var s=el.closest('figure').querySelector('.stack');
 s.style.setProperty(el.name==='o'?'--o':'--x',el.name==='o'?el.value/100:el.value+'%');}
document.querySelectorAll('input[type=range]').forEach(function(r){r.disabled=false;
 r.addEventListener('input',function(){set(r)});});
var m=/slider=(\\d+)/.exec(location.hash);
if(m){document.querySelectorAll('input[name=x]').forEach(function(r){r.value=m[1];set(r)});}
"""


def heat_map(golden: Image.Image, answer: Image.Image, tile: int = TILE) -> tuple[bytes, float]:
    """Mean absolute luminance difference per tile, over the golden in gray: where the answer changed.
    Returns the PNG and the largest tile's value (levels); the colour scale runs to that value."""
    g = luminance(float_array(to_rgb(golden)))
    a = luminance(float_array(to_rgb(answer.resize(golden.size) if answer.size != golden.size else answer)))
    h, w = g.shape
    rows, cols = max(1, h // tile), max(1, w // tile)
    diff = np.abs(a - g)[: rows * tile, : cols * tile].reshape(rows, tile, cols, tile).mean(axis=(1, 3))
    peak = float(diff.max())
    level = np.kron(diff / peak if peak > 0 else diff, np.ones((tile, tile)))
    base = np.repeat((g[: rows * tile, : cols * tile] * 0.5)[..., None], 3, axis=2)
    red = np.stack([np.full_like(level, 255.0), 60 * (1 - level), np.zeros_like(level)], axis=2)
    out = base * (1 - level[..., None] * 0.8) + red * level[..., None] * 0.8
    return png_bytes(Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))), peak


def _img(png: bytes, alt: str, cls: str = "px") -> str:
    return f'<img class="{cls}" alt="{escape(alt)}" src="{data_uri(png)}">'


def why_baseline(c: Candidate) -> str:
    """Which baseline an answer was judged against, and why that one."""
    v = c.key.combo.model_version
    if v:
        why = (f"the request sent <code>{escape(MODEL_HEADER)}: {escape(v)}</code>, and goldens are kept per model "
               f"version (folder <code>{escape(c.key.combo.slug)}</code>): only that model's answers are compared")
    elif c.key.combo.mode == "ai.fast":
        why = (f"the request sent no <code>{escape(MODEL_HEADER)}</code> header: the default model's baseline "
               "(folder <code>ai.fast</code>), never a versioned one")
    else:
        why = f"{escape(c.key.combo.mode)} takes no model header: its one baseline"
    base = c.verdict.get("baseline", {})
    origin = provenance(base.get("recorded_at", "?"), base.get("recorded_from", {}), base.get("approved") or {})
    return (f"baseline <code>{escape(c.verdict['golden_path'])}</code> ({escape(origin)}); chosen because {why}; "
            f"target <code>{escape(c.key.target)}</code>, profile <code>{escape(c.key.profile)}</code>")


def _metrics(c: Candidate) -> str:
    spread = c.verdict.get("spread") or {}
    rows = []
    for m in c.verdict["metrics"]:
        limits = "" if m["fail"] is None else f"{m['warn']:g} / {m['fail']:g}"
        s = spread.get(m["name"])
        rows.append(f'<tr><td>{escape(m["name"])}</td><td>{m["value"]:.4g}</td><td>{escape(limits)}</td>'
                    f'<td>{"" if s is None else f"{s:.4g}"}</td>'
                    f'<td class="{escape(m["status"])}">{escape(m["status"])}</td>'
                    "</tr>")
    widened = (f" Thresholds widened by {c.verdict['spread_factor']:g} x the golden's run-to-run spread."
               if any(v > 0 for v in spread.values()) else "")
    return ("<table><tr><th>metric</th><th>value</th><th>warn / fail</th><th>rerun spread</th><th>status</th></tr>"
            + "".join(rows) + f"</table><p class=meta>{escape(widened)}</p>")


def _item(c: Candidate, verdicts: Path) -> str:
    vfolder = c.key.folder(verdicts)
    base_thumb = (vfolder / f"{c.key.stem}.baseline.thumb.png").read_bytes()
    base_detail = (vfolder / f"{c.key.stem}.baseline.detail.png").read_bytes()
    new_thumb = (c.folder / c.golden.thumbnail).read_bytes()
    new_detail = (c.folder / c.golden.patches["detail"]["file"]).read_bytes()
    opened = [Image.open(io.BytesIO(b)) for b in (base_thumb, new_thumb, base_detail, new_detail)]
    heat_thumb, peak_thumb = heat_map(opened[0], opened[1])
    heat_detail, peak_detail = heat_map(opened[2], opened[3])
    status = c.verdict["status"]
    stack = f'{_img(base_detail, "golden detail")}{_img(new_detail, "new detail", "px top")}'
    head = f'<code>{escape(c.id)}</code> <span class="{escape(status)}">{escape(status)}'
    return f"""<div class="item" id="{escape(c.id)}"><h3>{head}
</span></h3><p class="meta">{escape(c.verdict["message"])}</p><p class="meta">{why_baseline(c)}</p>
<div class="sbs"><figure>{_img(base_detail, "golden detail")}<figcaption>golden: detail (native pixels)</figcaption>
</figure><figure>{_img(new_detail, "new detail")}<figcaption>new answer: detail</figcaption></figure>
<figure>{_img(heat_detail, "heat map of the detail")}<figcaption>changed tiles (max {peak_detail:.1f} levels)
</figcaption></figure></div>
<div class="sbs"><figure>{_img(base_thumb, "golden overview")}<figcaption>golden: overview</figcaption></figure>
<figure>{_img(new_thumb, "new overview")}<figcaption>new answer: overview</figcaption></figure>
<figure>{_img(heat_thumb, "heat map of the overview")}<figcaption>changed tiles (max {peak_thumb:.1f} levels)
</figcaption></figure></div>
<div class="views"><figure class="slider"><div class="stack" style="--x:50%">{stack}</div>
<input type="range" name="x" min="0" max="100" value="50" disabled aria-label="slider">
<figcaption>slider: golden left, new right</figcaption></figure>
<figure class="onion"><div class="stack" style="--o:.5">{stack}</div>
<input type="range" name="o" min="0" max="100" value="50" disabled aria-label="onion-skin opacity">
<figcaption>onion skin: new over golden</figcaption></figure>
<figure class="flicker"><input type="checkbox" id="f-{escape(c.id)}"><label for="f-{escape(c.id)}">flicker</label>
<div class="stack">{stack}</div><figcaption>flicker: golden and new in turn</figcaption></figure></div>
{_metrics(c)}</div>"""


def _group(g: Group, verdicts: Path) -> str:
    members = ", ".join(f'<a href="#{escape(c.id)}">{escape(c.id)}</a>' for c in g.members)
    return (f'<section class="group" id="{escape(g.id)}"><h2>Group <span class="gid">{escape(g.id)}</span>: '
            f"{escape(g.label)}</h2><p>{len(g.members)} input(s): {members}</p><p class=meta>Approve them all with "
            f"<code>upscale-conformance goldens approve --group {escape(g.id)} --reason \"...\"</code></p>"
            + "".join(_item(c, verdicts) for c in g.members) + "</section>")


def render(report_dir: Path, thresholds: Thresholds) -> tuple[str, list[Group]]:
    from ..goldens.candidates import VERDICTS

    found = load(report_dir)
    grouped = groups(found, thresholds)
    stores = sorted({c.verdict["golden_dir"] for c in found})
    summary = "".join(f'<li><a href="#{escape(g.id)}"><span class="gid">{escape(g.id)}</span></a> {escape(g.label)}: '
                      f"{len(g.members)} input(s)</li>" for g in grouped)
    body = (f"<h1>Golden review: {len(found)} answer(s) differ from their goldens, in {len(grouped)} group(s)</h1>"
            f"<p class=meta>Report <code>{escape(Path(report_dir).resolve())}</code>; golden store(s): "
            f"{', '.join(f'<code>{escape(s)}</code>' for s in stores) or 'none'}; thresholds "
            f"<code>{escape(thresholds.path)}</code>. Grouped by mode and model, then by the direction each band "
            "moved (sharper +, softer -): one vendor change is one group.</p>"
            f"<ul>{summary or '<li>nothing to review: every answer matched its golden</li>'}</ul>"
            + "".join(_group(g, Path(report_dir) / VERDICTS) for g in grouped))
    page = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Golden review</title>"
            f"<style>{STYLE}</style></head><body>{body}<script>{SCRIPT}</script></body></html>")
    return page, grouped


def write_review(report_dir: Path, thresholds: Thresholds) -> tuple[Path, list[Group]]:
    page, grouped = render(report_dir, thresholds)
    out = Path(report_dir) / "review.html"
    out.write_text(page, encoding="utf-8")
    return out, grouped
