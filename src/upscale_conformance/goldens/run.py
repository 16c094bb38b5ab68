"""What a record or check run covers (inputs x combos the profile allows) and the call it makes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from PIL import Image

from .. import perceptual as pc
from ..client import UpscaleClient, UpscaleRequest, UpscaleResult
from ..contract import Profile
from ..errors import ContractError
from .keys import Combo, default_inputs_dir, golden_stem
from .store import GoldenStore

INPUT_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


def list_inputs(folder: Path | None = None) -> list[Path]:
    """The input images of a folder, sorted; two inputs may not share a stem (goldens are by stem)."""
    folder = Path(folder or default_inputs_dir())
    if not folder.is_dir():
        raise ContractError(str(folder), "", "inputs folder not found")
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in INPUT_SUFFIXES and p.is_file())
    stems = [p.stem for p in paths]
    dupes = sorted({s for s in stems if stems.count(s) > 1})
    if dupes:
        raise ContractError(str(folder), "", f"inputs share a stem: {', '.join(dupes)}")
    return paths


def applicable(profile: Profile, combo: Combo, image: Image.Image) -> bool:
    """Is this (oriented) input within the mode's limit under the profile?"""
    return profile.limit(combo.mode).accepts(*image.size)


def upscale(client: UpscaleClient, input_bytes: bytes, name: str, combo: Combo,
            export_format: str | None = None) -> UpscaleResult:
    request = UpscaleRequest(image=input_bytes, mode=combo.mode, filename=name,
                             model_version=combo.model_version, export_format=export_format)
    return client.send(request)


def golden_request(input_path: Path, combo: Combo, export_format: str | None = None) -> UpscaleRequest:
    """The request a golden check sends for one input and combo (what ``upscale`` sends for a recording)."""
    path = Path(input_path)
    return UpscaleRequest(image=path.read_bytes(), mode=combo.mode, filename=path.name,
                          model_version=combo.model_version, export_format=export_format)


def input_picture(input_path: Path) -> Image.Image:
    """An input as the checks see it: decoded, its EXIF orientation applied (as replay rebuilds an upload)."""
    return pc.open_image(Path(input_path).read_bytes())


def decoded_output(result: UpscaleResult) -> tuple[Image.Image | None, str]:
    """The answer's picture, or None and why not (a status other than 200, or bytes that do not decode)."""
    if result.status != 200:
        body = result.content[:200].decode("utf-8", "replace")
        return None, f"target answered {result.status}: {body}"
    if result.image is None:
        return None, f"200 answer does not decode ({result.decode_error})"
    return pc.open_image(result.image), ""


Progress = Callable[[str], None]


def plan(inputs: Iterable[Path], profile: Profile, combos: Iterable[Combo]) -> list[tuple[Path, Combo]]:
    """Every (input, combo) pair the profile's limits allow: the calls a record or check will make."""
    pairs = []
    for path in inputs:
        with Image.open(path) as im:
            oriented = pc.open_image(im)
            for combo in combos:
                if applicable(profile, combo, oriented):
                    pairs.append((path, combo))
    return pairs


def unused_goldens(golden_dir: Path, target: str, profile: Profile, inputs: Iterable[Path],
                   combos: Iterable[Combo]) -> list[Path]:
    """Golden files no current input x combo would produce (an input removed, a mode dropped)."""
    wanted = {(c.slug, p.stem) for p, c in plan(inputs, profile, combos)}
    unused = []
    for path in GoldenStore(golden_dir).files(target, profile.id):
        stem = golden_stem(path.name)
        if stem is None or (path.parent.name, stem) not in wanted:
            unused.append(path)
    return unused
