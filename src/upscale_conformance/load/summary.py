"""From the answers of a load run to its figures and its exit code: throughput, latency per mode,
answers by status, violations; written as ``load.json`` and ``load.txt``.

>>> rows = [{"index": i, "label": "ai.fast", "request": "r", "status": 200, "seconds": 0.1 * (i + 1),
...          "outcome": "ok", "violations": [], "started": 0.0, "finished": 1.0 + i} for i in range(4)]
>>> s = summarize(rows, planned=4)
>>> s["exit_code"], s["answers_by_status"], s["latency_seconds"]["ai.fast"]["p50"]
(0, {'200': 4}, 0.25)
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

from ..records import files
from ..records.load import FILE, LoadReport
from .judge import NO_ANSWER, RATE_LIMITED, VIOLATION

EXIT_OK, EXIT_VIOLATION, EXIT_INCONCLUSIVE = 0, 1, 3
SHOWN_VIOLATIONS = 20  # in the text report; load.json keeps them all


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 (inclusive method: a value seen, or between two seen), in seconds, of judged answers."""
    if not values:
        return {}
    if len(values) == 1:
        return {"p50": values[0], "p95": values[0], "p99": values[0], "n": 1}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 4), "p95": round(cuts[94], 4), "p99": round(cuts[98], 4), "n": len(values)}


def summarize(answers: list[dict[str, Any]], planned: int | None, settings: dict[str, Any] | None = None,
              stopped: str = "") -> dict[str, Any]:
    """The figures of a run. ``planned``: the requests it was to send (None: a duration); ``stopped``:
    why it ended early, if it did."""
    answered = [a for a in answers if a["status"]]
    outcomes = Counter(a["outcome"] for a in answers)
    by_status = Counter("no answer" if not a["status"] else str(a["status"]) for a in answers)
    # Latency of judged answers only: a quick 429 is not the time an upscale takes.
    timed = [a for a in answered if a["outcome"] not in (NO_ANSWER, RATE_LIMITED)]
    labels = sorted({a["label"] for a in timed})
    latency = {label: percentiles([a["seconds"] for a in timed if a["label"] == label]) for label in labels}
    latency["all"] = percentiles([a["seconds"] for a in timed])
    span = (max(a["finished"] for a in answers) - min(a["started"] for a in answers)) if answers else 0.0
    violations = [{"index": a["index"], "request": a["request"], "status": a["status"], **v}
                  for a in answers if a["outcome"] == VIOLATION for v in a["violations"]]
    judged = len(answers) - outcomes[NO_ANSWER] - outcomes[RATE_LIMITED]
    problems = []
    if outcomes[NO_ANSWER]:
        problems.append(f"{outcomes[NO_ANSWER]} request(s) got no answer to judge")
    if planned is not None and len(answers) < planned:
        problems.append(f"{len(answers)} of {planned} planned requests finished")
    if stopped:
        problems.append(stopped)
    if judged == 0:
        problems.append("no answer could be judged")
    if violations:
        verdict, code = "contract violated under load", EXIT_VIOLATION
    elif problems:
        verdict, code = "inconclusive: " + "; ".join(problems), EXIT_INCONCLUSIVE
    else:
        verdict, code = "every answer kept the contract", EXIT_OK
    return {
        "verdict": verdict, "exit_code": code, "settings": settings or {}, "planned": planned,
        "requests": len(answers), "judged": judged, "answers_by_status": dict(sorted(by_status.items())),
        "rate_limited": outcomes[RATE_LIMITED], "no_answer": outcomes[NO_ANSWER],
        "answers_with_violations": outcomes[VIOLATION], "violations": violations,
        "violations_by_code": dict(Counter(f"{v['clause']} {v['code']}" for v in violations)),
        "errors": [{"index": a["index"], "request": a["request"], "note": a.get("note", "")}
                   for a in answers if a["outcome"] == NO_ANSWER][:50],
        "seconds": round(span, 3), "throughput_per_second": round(len(timed) / span, 3) if span > 0 else 0.0,
        "latency_seconds": latency, "problems": problems,
    }


def render(summary: dict[str, Any]) -> list[str]:
    """The text report, one line each."""
    lines = [f"load: {summary['requests']} requests in {summary['seconds']:.1f} s, "
             f"{summary['throughput_per_second']:.2f} judged answers/s; answers by status: "
             + ", ".join(f"{k}: {v}" for k, v in summary["answers_by_status"].items())]
    lines.append(f"judged {summary['judged']}, rate limited (429) {summary['rate_limited']}, "
                 f"no answer {summary['no_answer']}, answers with violations {summary['answers_with_violations']}")
    for label, p in summary["latency_seconds"].items():
        if p:
            lines.append(f"  latency {label:34} p50 {p['p50']:.3f} s  p95 {p['p95']:.3f} s  p99 {p['p99']:.3f} s"
                         f"  ({p['n']} answers)")
    for code, count in summary["violations_by_code"].items():
        lines.append(f"  violation {code}: {count}")
    for v in summary["violations"][:SHOWN_VIOLATIONS]:
        lines.append(f"  FAIL [{v['clause']}] {v['code']}: {v['request']} -> {v['status']}: {v['message']}")
    if len(summary["violations"]) > SHOWN_VIOLATIONS:
        lines.append(f"  ... {len(summary['violations']) - SHOWN_VIOLATIONS} more in load.json")
    for e in summary["errors"][:5]:
        lines.append(f"  not judged: {e['request']}: {e['note']}")
    lines.append(f"verdict: {summary['verdict']} (exit {summary['exit_code']})")
    return lines


def read_answers(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue  # a line cut by a killed process: that request is not counted
    return rows


def write(folder: Path, report: LoadReport) -> list[str]:
    """``load.json`` (the record: header and figures) and ``load.txt`` (the text report); returns its lines."""
    lines = render(report.to_dict())
    files.write(report, folder / FILE)
    (folder / "load.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines
