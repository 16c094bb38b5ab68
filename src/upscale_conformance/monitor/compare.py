"""Drift between a baseline record and a new one, each difference **breaking** or **notable**.

Breaking: a limit shrank or changed kind (unless every size accepted before still is), a size the
baseline saw accepted is now refused, 4x broken, the error past the limit changed status or body
shape, the model header stopped switching, an export format stopped working, a perceptual jump
past the regression ``fail`` threshold. Notable: a limit grew, a size refused before is accepted,
the answer to an unknown model version changed, a new format, latency up 50 % (and 100 ms), a
perceptual drift past ``warn`` only. The target's URL is never compared: a server restarted on
another port is the same implementation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..goldens import Thresholds, judge, load_thresholds
from . import limits as lim
from .fit import LimitFinding
from .signatures import signature_from_dict

LATENCY_RATIO = 1.5
LATENCY_FLOOR_S = 0.1  # smaller slowdowns are network jitter on a small image


@dataclass(frozen=True)
class Drift:
    severity: str  # breaking | notable
    area: str  # limit | errors | scale | model | formats | perceptual | latency
    subject: str
    message: str

    def line(self) -> str:
        return f"{self.severity.upper():8} {self.area:10} {self.subject}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def compare(old: dict[str, Any], new: dict[str, Any], thresholds: Thresholds | None = None) -> list[Drift]:
    """Every difference between two records, breaking ones first."""
    out: list[Drift] = []
    for mode in sorted(set(old.get("limits", {})) & set(new.get("limits", {}))):
        out += _limit(mode, old["limits"][mode], new["limits"][mode])
    out += _over_limit(old.get("over_limit", {}), new.get("over_limit", {}))
    out += _fixed(old.get("fixed", []), new.get("fixed", []), thresholds)
    out += _model(old.get("model_header"), new.get("model_header"))
    out += _formats(old.get("formats") or {}, new.get("formats") or {})
    out += _latency(old.get("latency", {}), new.get("latency", {}))
    return sorted(out, key=lambda d: d.severity != "breaking")


def _same_size_answers(old: dict, new: dict) -> tuple[list[str], list[str]]:
    """Sizes probed in both runs whose answer changed: (lost, gained)."""
    before = {(w, h): ok for w, h, ok, *_ in old.get("observations", [])}
    lost, gained = [], []
    for w, h, ok, *_ in new.get("observations", []):
        if (w, h) in before and before[(w, h)] != ok:
            (gained if ok else lost).append(f"{w}x{h}")
    return lost, gained


def _limit(mode: str, old: dict, new: dict) -> list[Drift]:
    a, b = LimitFinding.from_dict(old["finding"]), LimitFinding.from_dict(new["finding"])
    verdict, text = _limit_verdict(a, b)
    lost, gained = _same_size_answers(old, new)
    if lost and verdict != "narrower":
        verdict = "narrower"
        text = (text + "; " if text else "") + f"{', '.join(lost)} accepted in the baseline, now refused"
    elif gained and verdict == "same":
        verdict, text = "wider", f"{', '.join(gained)} refused in the baseline, now accepted"
    if verdict == "narrower":
        return [Drift("breaking", "limit", mode, text)]
    if verdict in ("wider", "unknown"):
        return [Drift("notable", "limit", mode, text)]
    return []


def _limit_verdict(a: LimitFinding, b: LimitFinding) -> tuple[str, str]:
    clean = ("pixels", "per_axis")
    if a.kind == b.kind and a.kind in clean and not (a.exact and b.exact):
        return _ranges(a, b), f"{a.describe()} -> {b.describe()}"
    if a.kind in clean and b.kind in clean:
        verdict = lim.change(a.limit(), b.limit())
        return verdict, lim.describe_change(a.limit(), b.limit())
    if a.kind == b.kind:
        grew = b.largest_square > a.largest_square
        shrank = b.largest_square < a.largest_square
        return ("narrower" if shrank else "wider" if grew else "same"), \
            f"largest square {a.largest_square} -> {b.largest_square} ({b.kind})"
    text = f"{a.describe()} -> {b.describe()}"
    if "undetermined" in (a.kind, b.kind):
        return "unknown", text + " (not comparable)"
    if b.kind == "unbounded" or a.kind == "none":
        return "wider", text
    return "narrower", text + " (changed kind)"


def _ranges(a: LimitFinding, b: LimitFinding) -> str:
    """Inexact limits of one kind: drift only where the brackets do not overlap."""
    if a.kind == "pixels":
        pairs = [(a.pixels_range, b.pixels_range)]
    else:
        pairs = [(a.width_range, b.width_range), (a.height_range, b.height_range)]
    pairs = [(old or (0, None), new or (0, None)) for old, new in pairs]
    if any(n_hi is not None and n_hi < o_lo for (o_lo, _), (_, n_hi) in pairs):
        return "narrower"
    if any(o_hi is not None and n_lo > o_hi for (_, o_hi), (n_lo, _) in pairs):
        return "wider"
    return "same"


def _over_limit(old: dict, new: dict) -> list[Drift]:
    out = []
    for mode in sorted(set(old) & set(new)):
        a, b = old[mode], new[mode]
        if a["status"] != b["status"]:
            out.append(Drift("breaking", "errors", mode, f"past the limit the status was {a['status']}, now "
                             f"{b['status']} ({b['size'][0]}x{b['size'][1]})"))
        elif a.get("body_shape") != b.get("body_shape"):
            out.append(Drift("breaking", "errors", mode, f"the error body past the limit changed shape: "
                             f"{a.get('body_shape')} -> {b.get('body_shape')}"))
    return out


def _fixed(old: list, new: list, thresholds: Thresholds | None) -> list[Drift]:
    before = {(e["input"], e["combo"]): e for e in old}
    out = []
    for e in new:
        a = before.get((e["input"], e["combo"]))
        subject = f"{e['combo']} {e['input']}"
        if a is None or a["status"] != 200:
            continue
        if e["status"] != 200:
            out.append(Drift("breaking", "scale", subject, f"accepted in the baseline, now {e['status']}"))
        elif a.get("scale_ok") and not e.get("scale_ok"):
            got = e.get("output_size")
            out.append(Drift("breaking", "scale", subject, f"4x broken: {e['input_size']} gave {got}, "
                             f"expected {e['expected_size']}"))
        elif a.get("sha256") != e.get("sha256") and a.get("signature") and e.get("signature"):
            out += _perceptual(subject, a["signature"], e["signature"], thresholds or load_thresholds())
    return out


def _perceptual(subject: str, old: dict, new: dict, thresholds: Thresholds) -> list[Drift]:
    status, metrics = judge(_distances(old, new), thresholds)
    if status == "pass":
        return []
    worst = "; ".join(m.describe() for m in metrics if m.status == status)
    if status == "fail":
        return [Drift("breaking", "perceptual", subject, f"jump beyond the regression threshold: {worst}")]
    return [Drift("notable", "perceptual", subject, f"small perceptual drift: {worst}")]


def _distances(old: dict, new: dict) -> dict[str, float]:
    from .. import perceptual as pc

    return pc.signature_distances(signature_from_dict(old), signature_from_dict(new))


def _model(old: dict | None, new: dict | None) -> list[Drift]:
    if not old or not new:
        return []
    out = []
    if old.get("switches") and new.get("switches") is False:
        out.append(Drift("breaking", "model", "header", f"{new['version']} stopped switching the ai.fast model: "
                         f"outputs differ by {new['distance']}, not more than {new['needed']} "
                         f"(rerun noise {new['rerun_noise']})"))
    elif old.get("switches") is False and new.get("switches"):
        out.append(Drift("notable", "model", "header", f"{new['version']} now switches the ai.fast model"))
    a, b = old.get("unknown_version") or {}, new.get("unknown_version") or {}
    if a and b and (a.get("status"), a.get("body_shape")) != (b.get("status"), b.get("body_shape")):
        out.append(Drift("notable", "model", "unknown version", f"{b['value']!r} answered {a.get('status')}, "
                         f"now {b.get('status')}"))
    return out


def _formats(old: dict, new: dict) -> list[Drift]:
    out = []
    for fmt in sorted(set(old) & set(new)):
        a, b = old[fmt], new[fmt]
        if a["accepted"] and not b["accepted"]:
            out.append(Drift("breaking", "formats", fmt, f"accepted in the baseline, now {b['status']}"))
        elif not a["accepted"] and b["accepted"]:
            out.append(Drift("notable", "formats", fmt, f"refused in the baseline ({a['status']}), now accepted"))
        elif a.get("ok") and b.get("ok") is False:
            out.append(Drift("breaking", "formats", fmt, f"answered as {b.get('content_type')} "
                             f"({b.get('format')}), not as asked"))
    return out


def _latency(old: dict, new: dict) -> list[Drift]:
    out = []
    for key in sorted(set(old) & set(new)):
        a, b = old[key]["median_s"], new[key]["median_s"]
        if b > a * LATENCY_RATIO and b - a > LATENCY_FLOOR_S:
            out.append(Drift("notable", "latency", key, f"{a:.2f} s -> {b:.2f} s (+{(b / a - 1) * 100:.0f} %)"))
    return out
