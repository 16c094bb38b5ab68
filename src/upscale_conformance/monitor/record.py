"""The record a monitor run writes (``record.json``) and reads back as the next run's baseline.

A record is one JSON object (``records.monitor.MonitorRecord``, schema ``records/record.schema.json``): the
one header every run record starts with (``command``, ``run_id``, ``tool``, ``target``, ``profile``,
``started``, ``finished``, ``exit_code``, ``verdict``, ``ci``), a schema name and version, and the body the
monitor fills while it probes: ``hints`` (the limits the search started from, and where they came from),
``cost`` (``budget``, ``spent``, ``billable``), ``inconclusive`` (why nothing can be judged, or null),
``partial`` (the budget ran out after the limits were found: later probes missing), ``limits`` (per mode:
the finding, its observations and discovery calls), ``over_limit`` (per mode: status and body shape past the
limit), ``fixed`` (the fixed outputs: 4x, sha256, signature), ``model_header``, ``formats``, ``latency``,
``calls`` (every request sent: purpose, form fields, input size, status, time, billable) and, after a
comparison, ``drift``. The target is kept for the reader, never compared. No key is ever written. A record
of version 1 (``started_at``, ``finished_at``) is read as version 2 (``records.legacy``).

>>> check_record({"schema": SCHEMA, "version": 1, "limits": {}, "started_at": "s"}, "x.json")["started"]
's'
>>> check_record({"hello": 1}, "x.json")  # doctest: +ELLIPSIS
Traceback (most recent call last):
upscale_conformance.monitor.record.RecordError: x.json: not a monitor record (no "schema": ...)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import ConformanceError
from ..records import files, legacy
from ..records.header import new_header
from ..records.monitor import BODY_KEYS, FILE, SCHEMA, VERDICTS, VERSION, MonitorRecord


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
    return legacy.upgrade(FILE, data)


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


def new_body(started: str, hints: dict[str, Any], budget: int | None) -> dict[str, Any]:
    """What the monitor fills while it probes (``monitor.run.monitor``); :func:`finished` puts the header on it."""
    return {
        "started": started,
        "finished": None,
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


def finished(body: dict[str, Any], target: str, profile: str, exit_code: int) -> MonitorRecord:
    """The record of a monitor run that ended with ``exit_code``, its header written by ``new_header``."""
    header = new_header("monitor", target, profile, started=body["started"], finished=body.get("finished") or "",
                        exit_code=exit_code, verdict=VERDICTS[exit_code])
    return MonitorRecord(header, **{k: body[k] for k in BODY_KEYS if k in body})


def write_record(record: MonitorRecord, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return files.write(record, folder / FILE)
