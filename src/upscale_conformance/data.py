"""Where the project's data lives, whether the package runs from this checkout or from site-packages.

The repository keeps ``contracts/``, ``suites/`` and ``fixtures/`` at its top; the wheel carries the
same folders inside the package (``pyproject.toml`` maps them: ``_data/contracts``, ``_data/fixtures``
and the ``suites`` subpackage). Every path the code needs comes from here, so nothing depends on the
working directory except what a user's run writes: reports and the goldens they record.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
SHIPPED = PACKAGE / "_data"


def checkout() -> Path | None:
    """The checkout this package runs from (an editable install of ``src/``), or None when installed.

    Recognised by its shape, not by the working directory: ``src/upscale_conformance`` under a folder
    that holds ``pyproject.toml`` and ``contracts/``.
    """
    root = PACKAGE.parents[1]
    if PACKAGE.parent.name == "src" and (root / "pyproject.toml").is_file() and (root / "contracts").is_dir():
        return root
    return None


def _folder(name: str, installed: Path) -> Path:
    root = checkout()
    return root / name if root is not None else installed


def contracts_dir() -> Path:
    """Clauses, profiles, the OpenAPI document, perceptual thresholds ($UPSCALE_CONTRACTS_DIR wins)."""
    env = os.environ.get("UPSCALE_CONTRACTS_DIR")
    return Path(env) if env else _folder("contracts", SHIPPED / "contracts")


def suites_dir() -> Path:
    """The pytest suites run against a target ($UPSCALE_SUITES_DIR wins)."""
    env = os.environ.get("UPSCALE_SUITES_DIR")
    return Path(env) if env else _folder("suites", PACKAGE / "suites")


def fixtures_dir() -> Path:
    return _folder("fixtures", SHIPPED / "fixtures")


def inputs_dir() -> Path:
    """The curated input images."""
    return fixtures_dir() / "inputs"


def shipped_goldens_dir() -> Path:
    """The goldens that come with the project (the reference server's, filed under ``local``)."""
    return fixtures_dir() / "goldens"


def recorded_goldens_dir() -> Path:
    """Where goldens are recorded unless ``--golden-dir`` says otherwise.

    In the checkout: ``fixtures/goldens``, as always (they are committed with it). Installed: ``./goldens``
    of the working directory, the user's own repository; nothing is ever written into site-packages.
    """
    return shipped_goldens_dir() if checkout() is not None else Path.cwd() / "goldens"
