"""``python -m upscale_conformance.tools.bench [--only NAME]``: print every section, in order."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from rich.console import Console

from .base import Section, render
from .history import history_views
from .load import load_judged, server_throughput
from .server import server_ai_fast, server_ai_slow, split_crossover
from .suite import suite_overhead_default, suite_overhead_quick

BENCHES: list[Callable[[], Section]] = [server_ai_fast, server_ai_slow, split_crossover, server_throughput,
                                        load_judged, suite_overhead_quick, suite_overhead_default, history_views]


@click.command()
@click.option("--only", default=None, help="Run only the sections whose function name contains this.")
def main(only: str | None) -> None:
    """Print every bench section."""
    console = Console()
    chosen = [b for b in BENCHES if not only or only in b.__name__]
    if not chosen:
        raise click.UsageError(f"no section matches {only!r}; sections: {', '.join(b.__name__ for b in BENCHES)}")
    for bench in chosen:
        render(bench(), console)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
