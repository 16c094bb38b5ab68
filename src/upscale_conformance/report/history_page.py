"""``reports/history/index.html``: the run history on one self-contained page, in the run report's look.

Like a run's page it needs nothing beside it: the style is inline and the plots (matplotlib, drawn
on the Agg canvas, no pyplot state) are PNG data URIs. The only links are relative ones to the
report folders of runs still on disk.
"""

from __future__ import annotations

import io
import os
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from ..history import views
from ..history.records import Run
from ..history.store import Store
from ..verdicts import FAIL
from .pages import STYLE, data_uri, escape

PAGE_STYLE = STYLE + """
td.c{text-align:center;white-space:nowrap}.KNOWN{color:#6a1b9a}.note{color:#555;font-size:.9em}
table.matrix th{font-size:.85em}img.plot{max-width:100%;border:none}
"""


def _css(verdict: str) -> str:
    return verdict.replace(" ", "")


def _when(iso: str) -> datetime:
    when = datetime.fromisoformat(iso)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _png(fig) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)  # Agg, attached to this figure only: nothing global, no display needed
    buf = io.BytesIO()
    # No "Software" text chunk: the page carries nothing it does not need (not even matplotlib's URL).
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight", metadata={"Software": None})
    return data_uri(buf.getvalue())


def _date_axis(ax) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.grid(True, alpha=.3)


def limits_plot(mode: str, points: list[views.LimitPoint]) -> str:
    """One mode's limit numbers over time: pixels on one axis, width and height on another (a vendor
    moving from per-axis limits to a pixel budget shows as one series ending and the other starting)."""
    from matplotlib.figure import Figure

    series: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for p in points:
        for name, number in p.numbers.items():
            series[name].append((_when(p.when), number))
    groups = [g for g in (("max_pixels",), ("max_width", "max_height"), ("largest_square",))
              if any(name in series for name in g)]
    fig = Figure(figsize=(9, 2.6 * len(groups)))
    axes = fig.subplots(len(groups), 1, squeeze=False, sharex=True)[:, 0]
    for ax, group in zip(axes, groups, strict=True):
        for name in group:
            if series.get(name):
                xs, ys = zip(*series[name], strict=True)
                ax.step(xs, ys, where="post", marker="o", label=name)
        broke = [(_when(p.when), n) for p in points if p.drift == "breaking" for k, n in p.numbers.items()
                 if k in group]
        if broke:
            ax.scatter(*zip(*broke, strict=True), marker="x", s=90, color="#c62828", zorder=3, label="breaking drift")
        ax.set_ylabel("pixels" if group == ("max_pixels",) else "px per side")
        ax.ticklabel_format(axis="y", style="plain", useOffset=False)
        ax.legend(loc="best", fontsize="small")
        _date_axis(ax)
    axes[0].set_title(f"{mode}: the limit each monitor run found")
    return _png(fig)


def calls_plot(days: dict[str, tuple[int, int]]) -> str:
    from matplotlib.dates import date2num
    from matplotlib.figure import Figure

    xs = [date2num(datetime.fromisoformat(d)) for d in days]
    fig = Figure(figsize=(9, 3))
    ax = fig.subplots()
    ax.bar([x - .2 for x in xs], [c for c, _ in days.values()], width=.4, label="calls", color="#90a4ae")
    ax.bar([x + .2 for x in xs], [b for _, b in days.values()], width=.4, label="billable", color="#ef6c00")
    ax.set_ylabel("calls")
    ax.set_title("Calls and billable calls per day (every command)")
    ax.legend(loc="best", fontsize="small")
    _date_axis(ax)
    return _png(fig)


def _link(run: Run, out_dir: Path) -> str:
    """The run's id, linked to its report folder when that is still on disk."""
    label = escape(run.id[:12])
    folder = Path(run.report) if run.report else None
    if not folder or not folder.is_dir():
        return f'<span title="{escape(run.id)}">{label}</span>'
    page = folder / "index.html"
    target = page if page.is_file() else folder
    try:
        href = Path(os.path.relpath(target.resolve(), out_dir.resolve())).as_posix()
    except ValueError:  # another drive (Windows): an absolute file URI still opens
        href = target.resolve().as_uri()
    return f'<a href="{escape(href)}" title="{escape(run.id)}">{label}</a>'


def _matrix(history: views.History, out_dir: Path) -> str:
    cells = views.matrix(history)
    columns = history.columns
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    rows = []
    # A clause no run in view selected says nothing: one line under the table, not a row of dashes.
    idle = [c for c in history.clauses if all(v == views.UNDECIDED for v, _ in cells.get(c, {}).values())]
    for clause in (c for c in history.clauses if c not in idle):
        tds = []
        for col in columns:
            verdict, run = cells.get(clause, {}).get(col, ("", None))
            tds.append(f'<td class="c {escape(_css(verdict))}">{escape(verdict) or "&ndash;"}'
                       + (f'<br><span class="note">{_link(run, out_dir)}</span>' if run else "") + "</td>")
        rows.append(f"<tr><td>{escape(clause)}</td><td>{escape(history.levels.get(clause, ''))}</td>"
                    f"{''.join(tds)}</tr>")
    return (f'<section id="matrix"><h2>Matrix: the latest verdict per clause</h2>'
            f'<p class="note">Columns: target and the model versions a run sent '
            f'(<code>pr-ai-upscale-model-version</code>). A clause a run did not select (NOT RUN) keeps '
            f'its older verdict.</p><table class="matrix"><tr><th>clause</th><th>level</th>{head}</tr>'
            f'{"".join(rows)}</table>'
            + (f'<p class="note">Not run in any run in view: {escape(", ".join(idle))}.</p>' if idle else "")
            + "</section>")


def _timeline(history: views.History, out_dir: Path) -> str:
    by_clause: dict[str, list[views.Change]] = defaultdict(list)
    for change in views.changes(history):
        by_clause[change.clause].append(change)
    moved = {c: ch for c, ch in by_clause.items() if any(x.before for x in ch)}
    steady = sorted(set(by_clause) - set(moved))
    parts = []
    for clause, items in sorted(moved.items()):
        rows = "".join(
            f'<tr><td>{escape(x.run.finished)}</td><td>{escape(x.column)}</td>'
            f'<td class="{escape(_css(x.before))}">{escape(x.before) or "(first run)"}</td>'
            f'<td class="{escape(_css(x.after))}">{escape(x.after)}</td><td>{_link(x.run, out_dir)}</td></tr>'
            for x in items)
        parts.append(f'<h3 id="timeline-{escape(clause)}">{escape(clause)}</h3><table><tr><th>finished</th>'
                     f'<th>column</th><th>before</th><th>after</th><th>run</th></tr>{rows}</table>')
    unchanged = (f'<p class="note">Unchanged since their first run in view: {escape(", ".join(steady))}.</p>'
                 if steady else "")
    return (f'<section id="timeline"><h2>Timeline: where a verdict changed</h2>'
            f'{"".join(parts) or "<p>No verdict changed.</p>"}{unchanged}</section>')


def _flaky(items: list[views.Flaky]) -> str:
    rows = "".join(f"<tr><td>{escape(f.clause)}</td><td>{escape(f.target)}</td><td>{escape(f.tool)}</td>"
                   f"<td>{escape(f.profile)}</td><td>{f.flips}</td><td>{escape(' → '.join(f.sequence))}</td></tr>"
                   for f in items)
    table = (f"<table><tr><th>clause</th><th>target</th><th>tool</th><th>profile</th><th>flips</th>"
             f"<th>verdicts, oldest first</th></tr>{rows}</table>" if rows else "<p>No flaky clause.</p>")
    return (f'<section id="flaky"><h2>Flaky clauses</h2><p class="note">A clause is flaky when its verdict '
            f"flipped {views.FLAKY_FLIPS} times or more in the last {views.FLAKY_WINDOW} runs of one target "
            f"and model versions with the same tool version and profile (NOT RUN is skipped).</p>{table}</section>")


def _limits(series: dict[str, list[views.LimitPoint]]) -> str:
    if not series:
        return ('<section id="limits"><h2>Limits over time</h2><p>No monitor run in view '
                "(<code>upscale-conformance monitor</code> records them).</p></section>")
    figures = "".join(f'<figure><img class="plot" alt="limits over time: {escape(mode)}" '
                      f'src="{limits_plot(mode, pts)}">'
                      f"<figcaption>{escape(mode)}: {len(pts)} monitor run(s)</figcaption></figure>"
                      for mode, pts in series.items())
    return f'<section id="limits"><h2>Limits over time (monitor)</h2>{figures}</section>'


def _calls(days: dict[str, tuple[int, int]]) -> str:
    if not days:
        return '<section id="calls"><h2>Calls per day</h2><p>No run in view.</p></section>'
    total, billable = sum(c for c, _ in days.values()), sum(b for _, b in days.values())
    return (f'<section id="calls"><h2>Calls per day</h2><p>{total} calls, {billable} billable over '
            f'{len(days)} day(s).</p><img class="plot" alt="calls and billable calls per day" '
            f'src="{calls_plot(days)}"></section>')


def render(store: Store, out_dir: Path, since: str | None = None, target: str | None = None) -> str:
    history = views.load(store, since, target)
    flaky = views.flaky(history)
    failing = sum(1 for per in views.matrix(history).values() for v, _ in per.values() if v == FAIL)
    code = 1 if failing else 0
    scope = f"since {since}" if since else "all time"
    banner = (f"{len(history.runs)} run(s) {scope}: {failing} failing cell(s) in the matrix, "
              f"{len(flaky)} flaky clause(s)")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>upscale-conformance: history</title>
<style>{PAGE_STYLE}</style></head><body>
<h1>AI Upscale conformance: history</h1>
<p class="meta">{escape(scope)}{' &middot; target ' + escape(target) if target else ''} &middot; generated
 {escape(datetime.now(UTC).isoformat(timespec='seconds'))}</p>
<div class="banner b{code}">{escape(banner)}</div>
{_matrix(history, out_dir)}
{_flaky(flaky)}
{_timeline(history, out_dir)}
{_limits(views.limits_over_time(store, since, target))}
{_calls(views.calls_per_day(store, since, target))}
</body></html>
"""


def write_history_page(store: Store, out_dir: str | Path, since: str | None = None,
                       target: str | None = None) -> Path:
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "index.html"
    path.write_text(render(store, folder, since, target), encoding="utf-8")
    return path
