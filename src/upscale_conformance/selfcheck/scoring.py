"""What each run means for the suite, and the command's exit code.

- the clean server and every tolerated variation must pass (exit 0): the suite's precision;
- every transport fault must end 0 or 3: trouble on the wire is never the target's failure; an outage
  entry names which (a permanent outage 3, one that ends within the run's patience 0);
- every contract and quality fault must be killed (exit 1), unless it is a known survivor with a
  reason: the suite's power. A kill whose failed clauses share none with the entry's expected ones is
  still a kill, but is flagged, since a user would be told the wrong thing is broken. A double fault
  (``Entry.each``) is killed only when every clause it breaks fails: one fault must not hide the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import KINDS, Entry
from .execute import Result


@dataclass
class Judged:
    name: str
    kind: str  # "clean" or a catalog kind
    description: str
    result: Result
    outcome: str  # killed | survived | known survivor | passed | failed | inconclusive | error
    ok: bool
    matched: bool = True  # killed by a clause the entry expects
    reason: str = ""  # a known survivor's reason


def judge_clean(result: Result) -> Judged:
    outcome = "passed" if result.code == 0 else _bad(result)
    return Judged("clean", "clean", "the reference server as it is", result, outcome, result.code == 0)


def judge(entry: Entry, result: Result, survivors: dict[str, str]) -> Judged:
    def made(outcome: str, ok: bool, **kw) -> Judged:
        return Judged(entry.name, entry.kind, entry.description, result, outcome, ok, **kw)

    if entry.kind in ("contract", "quality"):
        if result.code == 1 and entry.each and not entry.clauses <= set(result.failed):
            # A double fault of which one hid the other: not every clause it breaks failed.
            return made("survived", False, matched=False)
        if result.code == 1:
            return made("killed", True, matched=not entry.clauses or bool(entry.clauses & set(result.failed)))
        if entry.name in survivors:
            return made("known survivor", True, reason=survivors[entry.name])
        return made("survived" if result.code in (0, 3) else _bad(result), False)
    if entry.kind == "tolerated":
        return made("passed" if result.code == 0 else _bad(result), result.code == 0)
    # transport: a verdict or an honest "don't know", never a failure; an outage entry names which
    wanted = (0, 3) if entry.expect is None else (entry.expect,)
    return made({0: "passed", 3: "inconclusive"}.get(result.code, _bad(result)), result.code in wanted)


def _bad(result: Result) -> str:
    return {1: "failed", 3: "inconclusive"}.get(result.code, "error")


@dataclass
class Score:
    label: str
    good: int
    total: int


SCORE_LABELS = {"contract": "contract faults killed", "quality": "quality faults killed",
                "tolerated": "tolerated variations passed", "transport": "transport faults never failed"}


def scores(judged: list[Judged]) -> list[Score]:
    """Per kind: how many did what they must (a known survivor is not counted as killed)."""
    out = []
    for kind in KINDS:
        mine = [j for j in judged if j.kind == kind]
        if mine:
            good = sum(1 for j in mine if j.ok and j.outcome != "known survivor")
            out.append(Score(SCORE_LABELS[kind], good, len(mine)))
    return out


def exit_code(judged: list[Judged]) -> int:
    return 0 if judged and all(j.ok for j in judged) else 1
