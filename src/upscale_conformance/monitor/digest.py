"""``digest.md``: the record for a reader (an issue body, a job summary), drift first."""

from __future__ import annotations

from typing import Any

from .compare import Drift
from .fit import LimitFinding

FREE_NOTE = ("Error answers cost nothing on the vendor; only answers 200 are billable, so the limit "
             "search prefers probes the target refuses.")


def cost_line(record: dict[str, Any]) -> str:
    cost = record["cost"]
    cap = "no cap" if cost["budget"] is None else f"budget {cost['budget']}"
    return f"{cost['spent']} calls, {cost['billable']} billable ({cap})"


def digest(record: dict[str, Any], drift: list[Drift] | None, baseline: dict[str, Any] | None) -> str:
    lines = [f"# AI Upscale monitor: {record['target']}", ""]
    lines += [f"- run: {record['started']} to {record['finished']} ({record['tool']})",
              f"- cost: {cost_line(record)}. {FREE_NOTE}"]
    if record.get("inconclusive"):
        lines.append(f"- **inconclusive**: {record['inconclusive']} (drift not judged)")
    elif record.get("partial"):
        lines.append(f"- **partial**: {record['partial']} (the probes not run are not compared)")
    lines.append("")
    if baseline is not None and drift is not None:
        lines += _drift(drift, baseline)
    lines += _limits(record)
    lines += _answers(record)
    return "\n".join(lines).rstrip() + "\n"


def _drift(drift: list[Drift], baseline: dict[str, Any]) -> list[str]:
    breaking = [d for d in drift if d.severity == "breaking"]
    notable = [d for d in drift if d.severity == "notable"]
    out = [f"## Drift from the baseline of {baseline.get('started')} ({baseline.get('target')})", "",
           f"{len(breaking)} breaking, {len(notable)} notable.", ""]
    for title, items in (("Breaking", breaking), ("Notable", notable)):
        if items:
            out += [f"### {title}", ""] + [f"- **{d.area}** {d.subject}: {d.message}" for d in items] + [""]
    return out


def _limits(record: dict[str, Any]) -> list[str]:
    out = ["## Limits", "", "| mode | limit | kind | exact | largest square | discovery calls | billable |",
           "|---|---|---|---|---|---:|---:|"]
    for mode, entry in record.get("limits", {}).items():
        f = LimitFinding.from_dict(entry["finding"])
        square = f"{f.largest_square}x{f.largest_square}" + ("" if f.square_exact else " (at least)")
        out.append(f"| `{mode}` | {f.describe()} | {f.kind} | {'yes' if f.exact else 'no'} | {square} | "
                   f"{entry['calls']} (cap {entry['cap']}) | {entry['billable']} |")
    notes = [f"- `{m}`: {e['finding']['note']}" for m, e in record.get("limits", {}).items() if e["finding"]["note"]]
    hints = ", ".join(f"`{m}` from {h['source']}" for m, h in record.get("hints", {}).items())
    return out + [""] + notes + ([""] if notes else []) + [f"Searches started from the hints: {hints}.", ""]


def _answers(record: dict[str, Any]) -> list[str]:
    out = ["## Answers", ""]
    for mode, o in record.get("over_limit", {}).items():
        out.append(f"- past the `{mode}` limit ({o['size'][0]}x{o['size'][1]}): {o['status']} {o['body_shape']}")
    for e in record.get("fixed", []):
        if e["status"] != 200:
            out.append(f"- {e['combo']} {e['input']}: {e['status']}")
        else:
            verdict = "4x" if e.get("scale_ok") else f"**not 4x** ({e.get('output_size')})"
            out.append(f"- {e['combo']} {e['input']}: {verdict}, sha256 {e['sha256'][:12]}")
    m = record.get("model_header")
    if m:
        out.append(f"- header `{m['version']}`: outputs differ by {m['distance']} (needed {m['needed']}, rerun "
                   f"noise {m['rerun_noise']}): {'switches' if m['switches'] else '**does not switch**'}")
        u = m["unknown_version"]
        out.append(f"- unknown version `{u['value']}`: {u['status']} {u['body_shape'] or ''}".rstrip())
    for fmt, f in (record.get("formats") or {}).items():
        state = f"{f['status']} {f.get('content_type', '')}" + ("" if f.get("ok", True) else " (**not as asked**)")
        out.append(f"- export.format `{fmt}`: {state.strip()}")
    for key, lat in record.get("latency", {}).items():
        out.append(f"- latency {key}: {lat['median_s']:.3f} s (median of {lat['samples']})")
    return out + [""]
