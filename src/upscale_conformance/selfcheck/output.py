"""The kill matrix as a terminal table, JSON and Markdown (the same rows in each)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..records import files
from ..records.header import new_header, now
from ..records.selfcheck import FILE, TARGET, SelfcheckReport, verdict
from .execute import PROFILE
from .scoring import Judged, Score


def caught_by(j: Judged) -> str:
    """The matrix cell: the clauses that failed, or what the run ended as."""
    if j.outcome == "killed":
        return ", ".join(j.result.failed) + ("" if j.matched else "  (not an expected clause)")
    if j.outcome == "known survivor":
        return f"survived (known: {j.reason})"
    if j.outcome == "failed":
        return "FAILED: " + ", ".join(j.result.failed)
    extra = f" ({', '.join(j.result.inconclusive)})" if j.outcome == "inconclusive" and j.result.inconclusive else ""
    note = f" - {j.result.note}" if j.result.note else ""
    return j.outcome + extra + note


def rows(judged: list[Judged]) -> list[dict]:
    return [{"entry": j.name, "kind": j.kind, "breaks": j.description, "exit": j.result.code,
             "outcome": j.outcome, "ok": j.ok, "matched": j.matched, "caught_by": caught_by(j),
             "seconds": round(j.result.seconds, 1)} for j in judged]


def print_matrix(console: Console, judged: list[Judged], scores: list[Score], seconds: float) -> None:
    table = Table(title="selfcheck: kill matrix", show_lines=False)
    for col in ("entry", "kind", "exit", "caught by / outcome", "s"):
        table.add_column(col, overflow="fold")
    for row, j in zip(rows(judged), judged, strict=True):
        style = "" if j.ok and j.matched else "red" if not j.ok else "yellow"
        table.add_row(row["entry"], row["kind"], str(row["exit"]), row["caught_by"], f"{row['seconds']:.0f}",
                      style=style)
    console.print(table)
    for s in scores:
        console.print(f"{s.label}: {s.good}/{s.total}")
    for j in judged:
        if j.outcome == "known survivor":
            console.print(f"[yellow]known survivor[/yellow] {j.name}: {j.reason}", highlight=False)
    console.print(f"time: {seconds:.0f} s")


def write(folder: Path, judged: list[Judged], scores: list[Score], seconds: float, quick: bool, code: int,
          started: str = "") -> None:
    finished = now()
    header = new_header("selfcheck", TARGET, PROFILE, started=started or finished, finished=finished, exit_code=code,
                        verdict=verdict(code))
    files.write(SelfcheckReport(header, quick, round(seconds, 1), [asdict(s) for s in scores], rows(judged)),
                folder / FILE)
    text = markdown(judged, scores, seconds, quick)
    (folder / "selfcheck.md").write_text(text)
    from ..report.pages import write_page

    meaning = "the suite caught every fault and passed every tolerated variation" if code == 0 else (
        "a fault survived, or the clean server or a tolerated variation failed")
    write_page(folder, f"selfcheck{' --quick' if quick else ''}", code, meaning,
               ["entry", "kind", "breaks (for a user)", "exit", "caught by / outcome"],
               [[r["entry"], r["kind"], r["breaks"], r["exit"], r["caught_by"]] for r in rows(judged)], text)


def markdown(judged: list[Judged], scores: list[Score], seconds: float, quick: bool) -> str:
    lines = [f"# selfcheck{' --quick' if quick else ''}", "",
             "| entry | kind | breaks (for a user) | exit | caught by / outcome |", "|---|---|---|---:|---|"]
    for r in rows(judged):
        lines.append(f"| {r['entry']} | {r['kind']} | {r['breaks']} | {r['exit']} | {r['caught_by']} |")
    lines += [""] + [f"- {s.label}: **{s.good}/{s.total}**" for s in scores]
    lines += [f"- time: {seconds:.0f} s", ""]
    return "\n".join(lines)
