"""Where a golden lives: ``<golden_dir>/<target>/<profile>/<mode-and-model>/<input stem>.json``,
with three small PNGs beside it (an overview thumbnail and two native-resolution patches)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..contract import MODES, Profile

IMAGE_SUFFIXES = (".thumb.png", ".detail.png", ".flat.png")


def project_dir() -> Path:
    # src/upscale_conformance/goldens/keys.py: the project is three folders up from this file's own.
    return Path(__file__).resolve().parents[3]


def default_golden_dir() -> Path:
    return project_dir() / "fixtures" / "goldens"


def default_inputs_dir() -> Path:
    return project_dir() / "fixtures" / "inputs"


@dataclass(frozen=True)
class Combo:
    """A mode and, for switching modes, the model version sent in the header."""

    mode: str
    model_version: str | None = None

    @property
    def slug(self) -> str:
        return self.mode if self.model_version is None else f"{self.mode}+{self.model_version}"

    @classmethod
    def parse(cls, slug: str) -> Combo:
        mode, _, version = slug.partition("+")
        if mode not in MODES:
            raise ValueError(f"unknown mode in {slug!r} (modes: {', '.join(MODES)})")
        return cls(mode, version or None)


def combos_for(profile: Profile) -> list[Combo]:
    """Every mode, plus each known model version for the modes the header switches."""
    out = [Combo(mode) for mode in MODES]
    out += [Combo(mode, v) for mode in profile.switching_modes for v in profile.known_versions]
    return sorted(out, key=lambda c: c.slug)


def target_slug(target: str) -> str:
    """``local`` stays ``local``; a URL becomes a slug of its host (and port, if one is given).

    >>> target_slug("https://image-api.photoroom.com/v2")
    'image-api-photoroom-com'
    >>> target_slug("http://127.0.0.1:8000")
    '127-0-0-1-8000'
    """
    if target == "local":
        return "local"
    parts = urlsplit(target if "://" in target else f"http://{target}")
    host = (parts.hostname or "unknown") + (f"-{parts.port}" if parts.port else "")
    return re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-")


@dataclass(frozen=True)
class GoldenKey:
    target: str
    profile: str
    combo: Combo
    input_name: str

    @property
    def stem(self) -> str:
        return Path(self.input_name).stem

    def folder(self, root: Path) -> Path:
        return Path(root) / self.target / self.profile / self.combo.slug

    def json_path(self, root: Path) -> Path:
        return self.folder(root) / f"{self.stem}.json"

    @property
    def thumb_name(self) -> str:
        return f"{self.stem}.thumb.png"

    @property
    def detail_name(self) -> str:
        return f"{self.stem}.detail.png"

    @property
    def flat_name(self) -> str:
        return f"{self.stem}.flat.png"

    def describe(self) -> str:
        return f"{self.input_name} [{self.combo.slug}]"


def golden_stem(file_name: str) -> str | None:
    """The input stem a golden file belongs to (None: not a golden file at all)."""
    for suffix in (".json", *IMAGE_SUFFIXES):
        if file_name.endswith(suffix):
            return file_name[: -len(suffix)]
    return None
