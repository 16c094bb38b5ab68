"""What every bench section is made of: rows of timings, a baseline, a verdict; and how one prints."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class Row:
    name: str
    times: tuple[float, ...]  # seconds, one per round
    note: str = ""

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[Row]
    baseline: str  # name of the row the ratios divide by
    verdict: str = ""
    notes: list[str] = field(default_factory=list)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result



def render(section: Section, console: Console) -> None:
    base = next(r for r in section.rows if r.name == section.baseline).best
    table = Table(title=section.title)
    for col, justify in (("pipeline", "left"), ("best s", "right"), ("median s", "right"),
                         ("x baseline (best)", "right"), ("note", "left")):
        table.add_column(col, justify=justify)
    for row in section.rows:
        table.add_row(row.name, f"{row.best:.3f}", f"{row.median:.3f}", f"{row.best / base:.2f}", row.note)
    console.print(table)
    for note in section.notes:
        console.print(f"  {note}", highlight=False)
    if section.verdict:
        console.print(f"  [bold]{section.verdict}[/bold]", highlight=False)
