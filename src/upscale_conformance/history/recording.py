"""Recording a run into the results store as the command ends (run, monitor, load, selfcheck).

The store is a by-product of the verdict, never part of it: a store that cannot be opened or written costs
one warning line on stderr and nothing else (the exit code stays the command's). Light to import: SQLAlchemy
loads only when a run is recorded, and the wait for a busy or unreachable database is bounded.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

# Seconds to wait for the database: a SQLite file another job is writing (each write takes milliseconds),
# or a PostgreSQL server's connection. Longer, and a missing server would hold up the command's exit.
WAIT = 5.0


def _warn(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def record(path: Path, url: str | None = None, warn: Callable[[str], None] = _warn) -> bool:
    """Store the run that wrote ``path`` (its summary.json, record.json, load.json or selfcheck.json) in the
    store at ``url`` (None: ``$UPSCALE_HISTORY``, else the default). True when it was stored; never raises."""
    from .records import from_path

    shown = url or "the results store"
    try:
        from .store import Store, default_url, url_shown

        shown = url_shown(url or default_url())
        recorded = from_path(path)
        Store(url, timeout=WAIT).add(recorded)
        return True
    except Exception as exc:  # whatever went wrong, the verdict stands
        reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        warn(f"warning: the run was not recorded in {shown}: {reason}")
        return False


def ingest(folders: Iterable[Path], url: str | None = None) -> tuple[int, int, int]:
    """Import every run recorded under ``folders`` (report folders, or trees of them such as CI artifacts) into
    the store at ``url``: (runs added, runs already there, runs found). A store that cannot be opened raises
    ``store.HistoryError`` (unlike :func:`record`, ingesting is the command's whole job)."""
    from .records import read_folder
    from .store import Store

    store = Store(url)
    found = [r for folder in folders for r in read_folder(folder)]
    added, seen = store.add_all(found)
    return added, seen, len(found)
