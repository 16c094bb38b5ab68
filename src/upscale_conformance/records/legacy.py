"""Files written before the one header (issue 27) as this version writes them, so the results store and a
monitor baseline still read them: each file's old names under the header's (``started_at`` -> ``started``,
``exit`` -> ``exit_code``, ``date`` -> ``finished``), and what the header has that they lacked.

>>> upgrade("selfcheck.json", {"run_id": "s", "exit": 1})["exit_code"]
1
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from .monitor import VERDICTS as MONITOR_VERDICTS
from .selfcheck import verdict as selfcheck_verdict

COMMAND_OF = {"summary.json": "run", "record.json": "monitor", "load.json": "load", "selfcheck.json": "selfcheck"}


def run_id(command: str, data: Mapping[str, Any]) -> str:
    """The run's id: the one it wrote, else a digest of what it wrote (so an import twice is one run)."""
    if data.get("run_id"):
        return str(data["run_id"])
    text = json.dumps(data, sort_keys=True, default=str)
    return f"{command}-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def upgrade(name: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` read from the file ``name`` (summary.json, record.json, load.json, selfcheck.json), with the
    header's names and values; a file this version wrote comes back as it was."""
    command = COMMAND_OF[name]
    out = dict(data)
    out["run_id"] = run_id(command, data)  # from the file as it was: a second import finds the same run
    out.setdefault("command", command)
    out.setdefault("ci", {})
    if name == "summary.json":
        out.setdefault("started", out.get("finished", ""))
    elif name == "record.json":
        _monitor(out)
    elif name == "load.json":
        finished = out.pop("date", "")
        out.setdefault("finished", finished)
        settings = out.get("settings") or {}
        out["target"] = out.get("target") or settings.get("target", "")
        out.setdefault("profile", settings.get("profile", ""))
    elif name == "selfcheck.json":
        if "exit" in out:
            out.setdefault("exit_code", out.pop("exit"))
        out.setdefault("target", "selfcheck")
        out.setdefault("verdict", selfcheck_verdict(int(out.get("exit_code") or 0)))
    return out


def _monitor(out: dict[str, Any]) -> None:
    """Version 1 of record.json: ``started_at``/``finished_at``, the target shown as ``local (reference
    server, profile X)``, no profile, no verdict, and no exit code before the results store came."""
    if "started_at" in out:
        out.setdefault("started", out.pop("started_at") or "")
    if "finished_at" in out:
        out.setdefault("finished", out.pop("finished_at") or "")
    target = str(out.get("target") or "")
    if target.startswith("local "):
        out["target"] = "local"
        if "profile " in target and "profile" not in out:
            out["profile"] = target.rsplit("profile ", 1)[1].rstrip(")")
    out.setdefault("exit_code", 3 if out.get("inconclusive") else 0)
    out.setdefault("verdict", MONITOR_VERDICTS.get(int(out["exit_code"]), ""))
    if out.get("version") == 1:
        out["version"] = 2
