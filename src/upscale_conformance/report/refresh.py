"""``upscale-conformance report``: a run's folder rendered again — its ``summary.json`` checked first (a
summary written before the one header is read as this version writes it), and Allure's single-file page
built beside it when the ``allure`` command is installed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from ..records.legacy import upgrade
from . import summary_problems


def folder_problem(folder: Path) -> str:
    """Why ``folder``'s ``summary.json`` cannot be rendered ("" when it can)."""
    path = folder / "summary.json"
    if not path.is_file():
        return f"no summary.json in {folder}: give the folder of a run (reports/<timestamp>)"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        # A summary written before the one header (issue 27) is read as this version writes it.
        problems = summary_problems(upgrade("summary.json", data) if isinstance(data, dict) else data)
    except ValueError as exc:
        return f"{path}: not JSON ({exc})"
    return f"{path} does not keep the summary schema: {problems[0]}" if problems else ""


def allure_page(folder: Path) -> Path | None:
    """Build ``folder/allure-report/index.html`` from ``folder/allure-results`` (None: no ``allure`` command)."""
    tool = shutil.which("allure")
    if tool is None:
        return None
    out = folder / "allure-report"
    subprocess.run([tool, "generate", "--single-file", str(folder / "allure-results"), "-o", str(out), "--clean"],
                   check=False)
    return out / "index.html"
