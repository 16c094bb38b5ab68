"""The record a monitor run writes (``record.json``) and reads back as the next run's baseline.

A record is one JSON object with a schema name and version. Version 1 holds:

``target`` (the URL probed: kept for the reader, ignored by comparison), ``started_at``,
``finished_at``, ``tool``, ``hints`` (the limits the search started from, and where they came
from), ``cost`` (``budget``, ``spent``, ``billable``), ``inconclusive`` (why nothing can be judged,
or null), ``partial`` (the budget ran out after the limits were found: later probes missing),
``limits`` (per mode: the finding, its observations and discovery calls),
``over_limit`` (per mode: status and body shape past the limit), ``fixed`` (the fixed outputs:
4x, sha256, signature), ``model_header``, ``formats``, ``latency``, and ``calls`` (every request
sent: purpose, form fields, input size, status, time, billable). For the results store: ``run_id``, ``ci``
(commit, branch, job URL), ``exit_code`` and, after a comparison, ``drift``. No key is ever written.

>>> check_record({"schema": SCHEMA, "version": 1, "limits": {}}, "x.json")["version"]
1
>>> check_record({"hello": 1}, "x.json")  # doctest: +ELLIPSIS
Traceback (most recent call last):
upscale_conformance.monitor.record.RecordError: x.json: not a monitor record (no "schema": ...)
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from ..errors import ConformanceError

SCHEMA = "upscale-conformance/monitor-record"
VERSION = 1


class RecordError(ConformanceError):
    """A baseline that cannot be used: missing, unreadable, or not a monitor record."""

    code = "UC300"


def check_record(data: Any, where: str) -> dict[str, Any]:
    """``data`` if it is a record this tool can read, else :class:`RecordError`."""
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise RecordError(f'{where}: not a monitor record (no "schema": "{SCHEMA}")')
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise RecordError(f"{where}: monitor record without a valid version")
    if version > VERSION:
        raise RecordError(f"{where}: monitor record version {version} is newer than this tool reads ({VERSION})")
    limits = data.get("limits", {})
    if not isinstance(limits, dict) or not all(
            isinstance(e, dict) and isinstance(e.get("finding"), dict) and "kind" in e["finding"]
            for e in limits.values()):
        raise RecordError(f"{where}: monitor record with malformed limits")
    return data


def load_record(path: Path) -> dict[str, Any]:
    """Read a baseline; every failure is one :class:`RecordError` line."""
    path = Path(path)
    if not path.is_file():
        raise RecordError(f"{path}: baseline file not found")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(f"{path}: baseline unreadable ({exc})") from None
    except ValueError as exc:
        raise RecordError(f"{path}: not a monitor record (not JSON: {exc})") from None
    return check_record(data, str(path))


def new_record(target: str, tool: str, started_at: str, hints: dict[str, Any], budget: int | None) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "run_id": uuid.uuid4().hex,  # the results store keeps a run once, however often it is imported
        "ci": {},  # the CI context (commit, branch, job URL): the command line fills it in
        "tool": tool,
        "target": target,
        "started_at": started_at,
        "finished_at": None,
        "hints": hints,
        "cost": {"budget": budget, "spent": 0, "billable": 0},
        "inconclusive": None,
        "partial": None,
        "limits": {},
        "over_limit": {},
        "fixed": [],
        "model_header": None,
        "formats": None,
        "latency": {},
        "calls": [],
    }


def write_record(record: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "record.json"
    path.write_text(json.dumps(record, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path
