"""``goldens approve`` and the folders it reads: which candidates of a report a person chose, refused when
the run also failed other clauses, each written as the new golden with its provenance (:mod:`.history`
keeps the one it replaces)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConformanceError
from ..records.header import tool_name
from ..verdicts import FAIL
from . import history
from .candidates import VERDICTS, Candidate, groups, load, matches
from .job import GoldensUsage
from .thresholds import Thresholds, load_thresholds


class Refused(ConformanceError):
    """The run also failed clauses besides PERCEPTUAL-*: its answers are no baseline (exit 1, not usage)."""

    code = "UC601"


def report_folder(report_dir: Path) -> Path:
    """``report_dir`` resolved, if it holds golden candidates (:class:`GoldensUsage` if not)."""
    if not (report_dir / VERDICTS).is_dir():
        raise GoldensUsage(f"{report_dir}: no golden candidates (a run or `goldens check` keeps them when answers "
                           "differ from their goldens)")
    return report_dir.resolve()


def other_failures(report_dir: Path) -> list[str]:
    """Clauses the run failed besides PERCEPTUAL-*: a baseline taken from such a run may be a broken answer."""
    summary = report_dir / "summary.json"
    if not summary.is_file():
        return []  # a `goldens check` folder: no other clause was judged
    clauses = json.loads(summary.read_text(encoding="utf-8")).get("clauses", {})
    return sorted(cid for cid, c in clauses.items() if c.get("verdict") == FAIL and not cid.startswith("PERCEPTUAL-"))


def choose(report_dir: Path, thresholds: Thresholds, *, everything: bool = False, group_ids: tuple[str, ...] = (),
           inputs: tuple[str, ...] = ()) -> list[Candidate]:
    """The candidates of ``report_dir`` asked for: all, those of the groups (ids as review.html shows them) and
    those of the inputs. An unknown group, or nothing that matches: :class:`GoldensUsage`."""
    found = load(report_dir)
    grouped = groups(found, thresholds)
    unknown = sorted(set(group_ids) - {g.id for g in grouped})
    if unknown:
        raise GoldensUsage(f"no group {', '.join(unknown)} in {report_dir} (groups: "
                           f"{', '.join(g.id for g in grouped) or 'none'})")
    chosen = found if everything else [c for g in grouped if g.id in group_ids for c in g.members]
    chosen += [c for c in found if inputs and matches(inputs, c.key) and c not in chosen]
    if not chosen:
        raise GoldensUsage(f"no candidate matches {', '.join(inputs)} in {report_dir}")
    return chosen


@dataclass(frozen=True)
class Approved:
    candidate: Candidate
    root: Path  # the golden store it was written to
    kept: int | None  # the history entry the replaced golden became (None: there was none)


def approve(report_dir: Path, reason: str, *, everything: bool = False, group_ids: tuple[str, ...] = (),
            inputs: tuple[str, ...] = (), force: bool = False, golden_dir: Path | None = None,
            thresholds: Thresholds | None = None) -> list[Approved]:
    """Write the chosen candidates of ``report_dir`` as the new goldens (into ``golden_dir``, else the store
    each was judged against), with who approved what and why. :class:`Refused` when the run failed other
    clauses and not ``force``; :class:`GoldensUsage` for a request that cannot be met (nothing written).
    ``thresholds`` (default: the contract's) group the candidates as review.html shows them."""
    if not (everything or group_ids or inputs):
        raise GoldensUsage("say what to approve: --all, --group G or --input ID")
    if not reason.strip():
        raise GoldensUsage("--reason must say why")
    report_dir = report_folder(report_dir)
    failed = other_failures(report_dir)
    if failed and not force:
        raise Refused(f"the run also failed {', '.join(failed)}; its answers are no baseline (pass --force to "
                      "approve anyway)")
    chosen = choose(report_dir, thresholds or load_thresholds(), everything=everything, group_ids=group_ids,
                    inputs=inputs)
    provenance = {"run": report_dir.name, "report": str(report_dir),
                  "at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
                  "reason": reason, "tool": tool_name()}
    done = []
    for c in chosen:
        root = Path(golden_dir) if golden_dir else Path(c.verdict["golden_dir"])
        done.append(Approved(c, root, history.approve(root, c, provenance)))
    return done
