"""Goldens on disk: read, write only what changed, list, delete."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from .. import perceptual as pc
from ..errors import ContractError
from .document import Golden
from .keys import IMAGE_SUFFIXES, GoldenKey


def _load_png(path: Path) -> Image.Image:
    with Image.open(path) as im:
        im.load()
        return im.copy()


@dataclass
class StoredGolden:
    golden: Golden
    signature: pc.Signature
    path: Path


class GoldenStore:
    """Goldens on disk under one root. Writes touch a file only when its bytes change."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def read(self, key: GoldenKey) -> StoredGolden | None:
        path = key.json_path(self.root)
        if not path.is_file():
            return None
        golden = Golden.from_json(path.read_text(encoding="utf-8"), str(path))
        folder = path.parent
        try:
            thumb = _load_png(folder / golden.thumbnail)
            detail, flat = (_load_png(folder / golden.patches[k]["file"]) for k in ("detail", "flat"))
        except (OSError, KeyError) as exc:
            raise ContractError(str(path), "thumbnail", f"image beside the golden unreadable ({exc})") from None
        sig = pc.Signature(golden.output["width"], golden.output["height"], pc.ImageHashes(**golden.hashes),
                           thumb, detail, tuple(golden.patches["detail"]["box"]), flat,
                           tuple(golden.patches["flat"]["box"]), dict(golden.bands))
        return StoredGolden(golden, sig, path)

    def write(self, key: GoldenKey, golden: Golden, images: dict[str, bytes]) -> list[str]:
        """Write the golden and its images (file name -> PNG bytes); returns the names of the files
        whose content changed (empty: unchanged)."""
        folder = key.folder(self.root)
        folder.mkdir(parents=True, exist_ok=True)
        changed = []
        old = self.read(key) if key.json_path(self.root).is_file() else None
        for name, data in images.items():
            path = folder / name
            if not path.is_file() or path.read_bytes() != data:
                path.write_bytes(data)
                changed.append(name)
        # Provenance alone never rewrites a golden: an unchanged answer keeps its first record date.
        if old is None or old.golden.content() != golden.content() or changed:
            key.json_path(self.root).write_text(golden.to_json(), encoding="utf-8")
            changed.insert(0, key.json_path(self.root).name)
        return changed

    def delete(self, json_path: Path) -> list[Path]:
        """Remove a golden and the images beside it; returns what was removed."""
        stem = json_path.name.removesuffix(".json")
        removed = []
        for path in [json_path] + [json_path.with_name(stem + suffix) for suffix in IMAGE_SUFFIXES]:
            if path.is_file():
                path.unlink()
                removed.append(path)
        return removed

    def files(self, target: str, profile: str) -> list[Path]:
        """Every golden file (JSON and PNG) of one target and profile."""
        base = self.root / target / profile
        return sorted(p for p in base.glob("*/*") if p.is_file()) if base.is_dir() else []
