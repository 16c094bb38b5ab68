"""Each record file by name: its type, its JSON Schema, reading it (files of earlier versions too) and
writing it. The four schemas share ``header.schema.json``.

>>> sorted(TYPES)
['load.json', 'record.json', 'selfcheck.json', 'summary.json']
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from . import legacy
from .load import LoadReport
from .monitor import MonitorRecord
from .run import RunSummary
from .selfcheck import SelfcheckReport

Record = RunSummary | MonitorRecord | LoadReport | SelfcheckReport
TYPES: dict[str, type[Record]] = {"summary.json": RunSummary, "record.json": MonitorRecord,
                                  "load.json": LoadReport, "selfcheck.json": SelfcheckReport}
SCHEMAS = {"summary.json": "summary.schema.json", "record.json": "record.schema.json",
           "load.json": "load.schema.json", "selfcheck.json": "selfcheck.schema.json"}
HERE = Path(__file__).parent
HEADER_SCHEMA = "header.schema.json"


def file_name(record: Record) -> str:
    return next(name for name, kind in TYPES.items() if isinstance(record, kind))


def write(record: Record, path: str | Path) -> Path:
    """``record`` as JSON into ``path`` (its folder exists: the caller made it). Only serialises: what the
    record says was decided before."""
    path = Path(path)
    path.write_text(json.dumps(record.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    return path


def parse(name: str, data: Mapping[str, Any]) -> Record:
    """The record in ``data`` read from a file called ``name``, written by this version or an earlier one."""
    return TYPES[name].from_dict(legacy.upgrade(name, data))


def read(path: str | Path) -> Record:
    path = Path(path)
    return parse(path.name, json.loads(path.read_text(encoding="utf-8")))


@cache
def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of the file ``name`` (``summary.json``, ...) or of the header (``header.schema.json``)."""
    return json.loads((HERE / SCHEMAS.get(name, name)).read_text(encoding="utf-8"))


def problems(name: str, data: Mapping[str, Any]) -> list[str]:
    """Where ``data`` breaks the schema of the file ``name`` (empty: it keeps it)."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    header = schema(HEADER_SCHEMA)
    registry = Registry().with_resource(header["$id"], Resource.from_contents(header))
    validator = Draft202012Validator(schema(name), registry=registry)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(data)]
