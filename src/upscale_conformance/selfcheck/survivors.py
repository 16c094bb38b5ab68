"""The known survivors: contract or quality faults the suite does not catch, each with the reason,
kept in ``contracts/selfcheck-survivors.yaml`` so the list is honest, reviewed and shown."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..contract import contracts_dir

FILE = "selfcheck-survivors.yaml"


def load(path: Path | None = None) -> dict[str, str]:
    """name -> reason; a missing file means no known survivor. A survivor without a reason is an error."""
    path = path or contracts_dir() / FILE
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    survivors = {}
    for item in data.get("survivors") or []:
        reason = str(item.get("reason") or "").strip()
        if not reason:
            raise ValueError(f"{path}: survivor {item.get('name')!r} has no reason")
        survivors[str(item["name"])] = reason
    return survivors
