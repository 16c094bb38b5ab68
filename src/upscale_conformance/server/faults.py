"""The one place where a fault can be planted in the reference server (a test-only hook).

The suites must prove that they catch a broken implementation, so the server can be told to
misbehave in named, small ways. A :class:`Faults` value with its defaults is the correct server;
the server's code path calls the hooks below unconditionally, and only these hooks look at the
fields, so a fault can never leak into the normal path by accident.

>>> Faults().active
False
>>> Faults.from_json('{"mirror": true, "colour_cast": [10, 0, 0]}')
Faults(mirror=True, colour_cast=(10, 0, 0))
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from ..contract import SCALE, Limit

ENV_VAR = "UPSCALE_SERVER_FAULTS"
NOISE_SEED = 20250729  # fixed, so a faulted server is still deterministic


@dataclass(frozen=True)
class Faults:
    """Named misbehaviours; every default means "behave correctly"."""

    scale: int = SCALE
    limit_offset: int = 0
    over_limit_status: int | None = None
    mirror: bool = False
    ignore_model_header: bool = False
    channel_swap: bool = False
    blur: float = 0.0
    noise: float = 0.0
    colour_cast: tuple[int, int, int] = (0, 0, 0)
    jpeg_quality_collapse: bool = False
    die_after: int | None = None
    drop_alpha: bool = False
    # Not a contract fault: outputs vary run to run by up to this many levels per pixel and
    # channel, as a sampling (generative) model's do. Random per request, unlike ``noise``, so
    # the goldens and the model-switch check can be shown to tolerate a target's own spread.
    sampling: float = 0.0

    def __post_init__(self) -> None:
        # JSON gives lists; a frozen dataclass must stay hashable (fixtures cache servers by it).
        object.__setattr__(self, "colour_cast", tuple(int(v) for v in self.colour_cast))
        if len(self.colour_cast) != 3:
            raise ValueError("Faults.colour_cast must have three values (R, G, B)")
        if self.scale < 1:
            raise ValueError("Faults.scale must be 1 or more")
        if self.sampling < 0:
            raise ValueError("Faults.sampling must be 0 or more")
        if self.die_after is not None and self.die_after < 0:
            raise ValueError("Faults.die_after must be 0 or more")

    def __repr__(self) -> str:
        changed = [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
                   if getattr(self, f.name) != f.default]
        return f"Faults({', '.join(changed)})"

    @property
    def active(self) -> bool:
        return self != Faults()

    def to_json(self) -> str:
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)
                           if getattr(self, f.name) != f.default})

    @classmethod
    def from_json(cls, text: str) -> Faults:
        """Parse ``{"field": value, ...}``; an unknown field is an error that names the known ones."""
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError as exc:
            raise ValueError(f"{ENV_VAR}: not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ValueError(f"{ENV_VAR}: expected a JSON object of fault names, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**data)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Faults:
        """The faults in $UPSCALE_SERVER_FAULTS (none if unset), so a subprocess server can be faulted."""
        return cls.from_json((environ if environ is not None else os.environ).get(ENV_VAR, ""))

    def replace(self, **changes: Any) -> Faults:
        return dataclasses.replace(self, **changes)


# --- hooks: the server calls each of these on every request ---------------------------------------


def accepts(limit: Limit, width: int, height: int, faults: Faults) -> bool:
    """The limit check. ``limit_offset`` shifts the boundary by that many pixels on each axis."""
    off = faults.limit_offset
    return limit.accepts(max(1, width - off), max(1, height - off))


def over_limit_status(normal: int, faults: Faults) -> int:
    return faults.over_limit_status if faults.over_limit_status is not None else normal


def model_version(requested: str | None, faults: Faults) -> str | None:
    """The model version the engine sees; ``ignore_model_header`` drops the header."""
    return None if faults.ignore_model_header else requested


def should_die(post_count: int, faults: Faults) -> bool:
    """True once more than ``die_after`` POST requests have arrived."""
    return faults.die_after is not None and post_count > faults.die_after


def apply_output_faults(image: Image.Image, faults: Faults) -> Image.Image:
    """Damage an upscaled image (L, LA, RGB or RGBA) as the faults say; a no-op without faults."""
    if not faults.active:
        return image
    if faults.scale != 4:
        w, h = image.size  # the engine made exactly 4x, so this is exactly faults.scale x the input
        image = image.resize((w * faults.scale // 4, h * faults.scale // 4), Image.Resampling.BICUBIC)
    if faults.mirror:
        image = ImageOps.mirror(image)
    colour, alpha = _split_alpha(image)
    if faults.sampling > 0:  # the engine's own variation, before any fault damages the colour
        colour = _sample(colour, faults.sampling)
    if faults.channel_swap and colour.mode == "RGB":
        r, g, b = colour.split()
        colour = Image.merge("RGB", (b, g, r))
    if faults.blur > 0:
        colour = colour.filter(ImageFilter.GaussianBlur(faults.blur))
    if faults.noise > 0 or any(faults.colour_cast):
        colour = _add(colour, faults)
    if faults.jpeg_quality_collapse:
        buf = io.BytesIO()
        colour.save(buf, "JPEG", quality=5)
        colour = Image.open(io.BytesIO(buf.getvalue())).convert(colour.mode)
    if faults.drop_alpha:
        alpha = None
    return colour if alpha is None else _join_alpha(colour, alpha)


def _split_alpha(image: Image.Image) -> tuple[Image.Image, Image.Image | None]:
    if image.mode in ("RGBA", "LA"):
        return image.convert(image.mode[:-1]), image.getchannel("A")
    return image, None


def _join_alpha(colour: Image.Image, alpha: Image.Image) -> Image.Image:
    out = colour.convert(colour.mode + "A")
    out.putalpha(alpha)
    return out


def _add(colour: Image.Image, faults: Faults) -> Image.Image:
    pixels = np.asarray(colour, dtype=np.float32)
    cast = np.array(faults.colour_cast, dtype=np.float32)
    pixels = pixels + (cast if pixels.ndim == 3 else cast.mean())
    if faults.noise > 0:
        pixels = pixels + np.random.default_rng(NOISE_SEED).normal(0.0, faults.noise, pixels.shape)
    return Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8), colour.mode)


def _sample(colour: Image.Image, amount: float) -> Image.Image:
    """Whole-level variation of up to ``amount`` per pixel and channel, every value equally likely
    (-2..2 for 2), from an unseeded generator: identical requests get different answers."""
    pixels = np.asarray(colour, dtype=np.float32)
    offsets = np.rint(np.random.default_rng().uniform(-amount - 0.5, amount + 0.5, pixels.shape))
    pixels = pixels + np.clip(offsets, -amount, amount)
    return Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8), colour.mode)
