"""``history triage`` without the command line: a run's failing findings (from a report folder or the store)
drafted as a known-failures file for a person to complete."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from ..records import files
from ..verdicts import FAIL
from .known import TODO_REASON, draft_entries, dump, parse_text
from .records import Finding, finding_of, recorded
from .store import HistoryError, Store


def failing_findings(history_url: str | None, ref: str) -> tuple[list[Finding], str]:
    """(findings, what they came from): a report folder's summary.json, or a run in the store (a run id,
    ``latest`` or ``latest@TARGET``). A finding an unexpired entry already accepts is left out.
    :class:`HistoryError` for a summary that cannot be read or a run the store does not hold."""
    folder = Path(ref)
    if folder.is_dir() or folder.name == "summary.json":
        return _from_summary(folder / "summary.json" if folder.is_dir() else folder)
    store = Store(history_url)
    run = store.resolve(ref)
    verdicts = {c.clause: c.verdict for c in store.clause_results([run.id])[run.id]}
    found = [f for f in store.findings([run.id])[run.id] if verdicts.get(f.clause) == FAIL]
    return found, f"run {run.id} ({run.target}, {run.finished})"


def _from_summary(path: Path) -> tuple[list[Finding], str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HistoryError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise HistoryError(f"cannot read {path}: not a run summary")
    summary = files.parse("summary.json", data)  # as the store reads it, a summary of any version
    run = recorded(summary)
    verdicts = {c.clause: c.verdict for c in run.clauses}
    # A finding an unexpired entry accepts already has its entry, even in a clause failed by another.
    known = {finding_of(fp).fingerprint for e in (summary.known_failures or {}).get("entries", [])
             if e["state"] == "known" for fp in e["findings"]}  # older files' quotes dropped
    return ([f for f in run.findings if verdicts.get(f.clause) == FAIL and f.fingerprint not in known],
            f"the report {path.parent}")


def write_draft(findings: list[Finding], source: str, today: date, out: Path) -> list[dict[str, Any]]:
    """Write one entry per finding (reason TODO, expiring after ``known.DRAFT_DAYS``) to ``out``; the entries."""
    entries = draft_entries(findings, today)
    text = dump(entries, source)
    # What triage writes, run reads once a person has given each entry its reason: a draft that would not parse
    # then is our bug. As written, run refuses it (the placeholder reason), which is the point of a draft.
    parse_text(text.replace(TODO_REASON, "reason"), str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return entries
