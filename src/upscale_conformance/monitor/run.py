"""One monitor run against a target: a first small call, the limit of each mode, then the other
probes, all into one record. The caller owns the client, its budget and the output."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ..client import UpscaleClient
from ..contract import MODES, Limit, Profile
from ..errors import BudgetExhausted, ConformanceError, NoAnswer
from . import probes
from .calls import Prober
from .discover import CAP, discover
from .fit import LimitFinding
from .pictures import FIXED_INPUTS, probe_png

AUTH_STATUSES = (401, 403)


class Inconclusive(ConformanceError):
    """The run cannot judge the target (refused key, failing first call); nothing is drift."""

    code = "UC301"


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def hints_for(profile: Profile, baseline: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Where each mode's search starts: the baseline's finding if it was a clean limit, else the profile's."""
    out = {}
    for mode in MODES:
        limit, source = profile.limit(mode), f"profile {profile.id}"
        found = (baseline or {}).get("limits", {}).get(mode, {}).get("finding")
        if found:
            seen = LimitFinding.from_dict(found).limit()
            if seen is not None:
                limit, source = seen, "baseline"
        out[mode] = {"limit": _limit_dict(limit), "source": source}
    return out


def _limit_dict(limit: Limit) -> dict[str, Any]:
    if limit.kind == "pixels":
        return {"kind": "pixels", "max_pixels": limit.max_pixels}
    return {"kind": "per_axis", "max_width": limit.max_width, "max_height": limit.max_height}


def _limit(data: dict[str, Any]) -> Limit:
    return Limit(**data)


def monitor(client: UpscaleClient, record: dict[str, Any], progress: Callable[[str], None] = lambda t: None,
            say: Callable[[str], None] = lambda t: None) -> dict[str, Any]:
    """Fill ``record`` (from :func:`record.new_body`) by probing the target behind ``client``.

    ``record["inconclusive"]`` says why nothing can be judged (unreachable, rate limited, key
    refused, or the budget spent before both limits were found); ``record["partial"]`` that the
    budget ran out later, so some probes are missing and the rest is judged.
    """
    prober = Prober(client, progress)
    discovered = False
    try:
        outputs = {}
        entry, first = probes.fixed_output(prober, FIXED_INPUTS[0], "ai.fast", None)
        if first.status != 200:
            raise Inconclusive(f"the first and smallest request ({FIXED_INPUTS[0].name}, ai.fast) got "
                               f"{first.status}: {entry.get('body_shape', '')}; nothing else can be judged")
        record["fixed"].append(entry)
        outputs[(FIXED_INPUTS[0].name, "ai.fast")] = first
        say("limit search: error answers cost nothing on the vendor, so it prefers probes the target refuses")
        for mode in MODES:
            _discover_mode(prober, mode, _limit(record["hints"][mode]["limit"]), record, say)
        discovered = True
        for item in FIXED_INPUTS:
            for mode, model in probes.COMBOS:
                key = (item.name, probes.combo_key(mode, model))
                if key not in outputs:
                    entry, outputs[key] = probes.fixed_output(prober, item, mode, model)
                    record["fixed"].append(entry)
        record["model_header"] = probes.model_header(prober, outputs)
        record["formats"] = probes.export_formats(prober)
        record["latency"].update(probes.latency(record["fixed"]))
    except BudgetExhausted as exc:
        # Spent after both limits were found, the run still judges what it measured.
        record["partial" if discovered else "inconclusive"] = str(exc)
    except (NoAnswer, Inconclusive) as exc:
        record["inconclusive"] = str(exc)
    finally:
        record["calls"] = prober.calls
        record["cost"].update(spent=client.budget.spent, billable=client.budget.billable)
        record["finished"] = now()
    return record


def _discover_mode(prober: Prober, mode: str, hint: Limit, record: dict[str, Any], say: Callable[[str], None]) -> None:
    purpose = f"discovery {mode}"

    def send(width: int, height: int, role: str) -> bool:
        result = prober.send(f"{purpose} {role}", probe_png(width, height), (width, height), mode)
        if result.status in AUTH_STATUSES:  # a key refused mid-run would pass for a shrunken limit
            raise Inconclusive(f"the target answered {result.status} (key refused) during the {mode} search")
        return result.status == 200

    d = discover(send, hint=hint, cap=CAP, spent=lambda: prober.count(purpose)[0])
    calls, billable = prober.count(purpose)
    finding = d.finding
    record["limits"][mode] = {
        "finding": finding.to_dict(),
        "observations": [[o.width, o.height, o.accepted, o.role] for o in d.observations],
        "calls": calls,
        "billable": billable,
        "cap": CAP,
    }
    mine = [c for c in prober.calls if c["purpose"].startswith(purpose)]
    s = finding.largest_square
    over = next((c for c in mine if c["input"]["width"] == c["input"]["height"] == s + 1 and c["status"] != 200),
                next((c for c in mine if c["status"] != 200), None))
    if over is not None:
        record["over_limit"][mode] = {"size": [over["input"]["width"], over["input"]["height"]],
                                      "status": over["status"], "body_shape": over.get("body_shape")}
    edge = next((c for c in mine if c["input"]["width"] == c["input"]["height"] == s and c["status"] == 200), None)
    if edge is not None:
        record["latency"][f"{mode} at {s}x{s}"] = {"median_s": edge["elapsed_s"], "samples": 1}
    say(f"{mode}: {finding.describe()}; largest square {s}x{s}{'' if finding.square_exact else ' (at least)'}; "
        f"discovery {calls} calls ({billable} billable, cap {CAP})" + (f"; {finding.note}" if finding.note else ""))
