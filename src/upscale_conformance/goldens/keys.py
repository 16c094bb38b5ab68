"""Where a golden lives: ``<golden_dir>/<target>/<profile>/<mode-and-model>/<input stem>.json``,
with three small PNGs beside it (an overview thumbnail and two native-resolution patches)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .. import data
from ..contract import MODES, Profile

IMAGE_SUFFIXES = (".thumb.png", ".detail.png", ".flat.png")


def default_golden_dir() -> Path:
    """Where goldens are recorded by default (the checkout's ``fixtures/goldens``; installed, ``./goldens``)."""
    return data.recorded_goldens_dir()


def golden_dir_to_read(target: str, profile: str) -> Path:
    """Where goldens of ``target`` and ``profile`` are read from by default: the recorded store when it
    holds some, else the shipped goldens, so an installed copy checks ``local`` against the reference
    server's goldens without the user recording any."""
    recorded = data.recorded_goldens_dir()
    if any((recorded / target / profile).glob("*/*.json")):
        return recorded
    return data.shipped_goldens_dir()


def default_inputs_dir() -> Path:
    return data.inputs_dir()


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
    """The default golden target of a run: ``local`` stays ``local``; a URL becomes a slug of its host.

    The port is left out on purpose: a server restarted on another port (every CI run with an
    ephemeral port) is the same implementation and must find its goldens. Two implementations
    on one host are told apart with an explicit name (``--golden-target``).

    >>> target_slug("https://image-api.photoroom.com/v2")
    'image-api-photoroom-com'
    >>> target_slug("http://127.0.0.1:8000") == target_slug("http://127.0.0.1:41234/")
    True
    """
    if target == "local":
        return "local"
    parts = urlsplit(target if "://" in target else f"http://{target}")
    return re.sub(r"[^a-z0-9]+", "-", (parts.hostname or "unknown").lower()).strip("-")


SANDBOX_SUFFIX = "-sandbox"


def golden_target_for(target: str, chosen: str | None = None, sandbox: bool = False) -> str:
    """The golden target a run records or checks: the chosen name, else the default of ``target``;
    with a sandbox key, ``-sandbox`` is appended, so watermarked answers never meet the goldens of
    a production key (nor the other way round).

    >>> golden_target_for("http://127.0.0.1:8080", sandbox=True), golden_target_for("local", "mine")
    ('127-0-0-1-sandbox', 'mine')
    """
    name = chosen or target_slug(target)
    return name + SANDBOX_SUFFIX if sandbox and not name.endswith(SANDBOX_SUFFIX) else name


_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def golden_target_name(name: str) -> str:
    """Check a user-given golden target name (a folder name under the golden store).

    >>> golden_target_name("my-server")
    'my-server'
    >>> golden_target_name("../x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: golden target '../x' must be 1-64 lowercase letters, digits, '.', '_' or '-', ...
    """
    if not _NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"golden target {name!r} must be 1-64 lowercase letters, digits, '.', '_' or '-', "
                         "starting with a letter or digit")
    return name


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
