"""Hypothesis strategies for real images sized around a profile's limits.

Images carry edges, gradients, strokes and colour, so that a flip, a shift, a channel swap or a
lost alpha is visible in the output. Content is rendered from a drawn seed: Hypothesis shrinks
the seed and the size, never megabytes of pixels.

>>> from upscale_conformance.contract import Limit
>>> [(c.width, c.height, c.accept) for c in boundary_cases(Limit("pixels", max_pixels=100), [10])]
[(10, 10, True), (10, 11, False)]
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from .client import UpscaleRequest
from .contract import ORDINARY_MAX_ASPECT, ORDINARY_MIN_SIDE, Limit
from .orientation import SWAPS_AXES, to_stored
from .orientation import TAG as ORIENTATION_TAG

COLOUR_MODES = ("L", "LA", "P", "RGB", "RGBA", "CMYK")
INPUT_FORMATS = ("PNG", "JPEG", "WEBP")
# Formats that cannot hold a mode: JPEG has no alpha or palette, WebP no CMYK.
_FORMAT_MODES = {
    "JPEG": {"L", "RGB", "CMYK"},
    "PNG": {"L", "LA", "P", "RGB", "RGBA"},
    "WEBP": {"L", "LA", "P", "RGB", "RGBA"},
}


def modes_for(fmt: str) -> tuple[str, ...]:
    return tuple(m for m in COLOUR_MODES if m in _FORMAT_MODES[fmt])


# --- content -------------------------------------------------------------------------------------


def render(width: int, height: int, seed: int, alpha: bool = False) -> Image.Image:
    """An RGB(A) picture with a gradient, coloured shapes and text-like strokes.

    It is asymmetric on purpose: a mirrored or rotated copy differs from it.
    """
    rng = np.random.default_rng(seed)
    # Gradient background: red grows left to right, blue top to bottom, green from the seed.
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    g = float(rng.uniform(0.2, 0.8))
    base = np.empty((height, width, 3), dtype=np.uint8)
    base[..., 0] = (40 + 180 * x).astype(np.uint8)
    base[..., 1] = np.uint8(255 * g) - (60 * x * y).astype(np.uint8)
    base[..., 2] = (30 + 200 * y).astype(np.uint8)
    im = Image.fromarray(base, "RGB")
    draw = ImageDraw.Draw(im)
    scale = max(1, min(width, height))
    for _ in range(int(rng.integers(3, 8))):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(1, max(2, width // 3))), int(rng.integers(1, max(2, height // 3)))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.rectangle([x0, y0, x0 + w, y0 + h], fill=colour)
        else:
            draw.ellipse([x0, y0, x0 + w, y0 + h], fill=colour)
    # Text-like strokes: short dark polylines along the top, so the picture has a "reading direction".
    stroke = max(1, scale // 60)
    for i in range(int(rng.integers(2, 6))):
        cx, cy = int(width * 0.3 + i * width * 0.08), int(height * 0.1)
        pts = [(cx + int(rng.integers(0, max(1, width // 20))), cy + int(rng.integers(0, max(1, height // 8))))
               for _ in range(4)]
        draw.line(pts, fill=(10, 10, 10), width=stroke)
    if not alpha:
        return im
    a = np.full((height, width), 255, dtype=np.uint8)
    a[:, : max(1, width // 4)] = 0  # a fully transparent band on the left
    a[: max(1, height // 3), width // 2:] = 128  # half-transparent top-right
    im.putalpha(Image.fromarray(a, "L"))
    return im


def to_mode(image: Image.Image, mode: str) -> Image.Image:
    """The picture in a colour mode; 'I;16' stands for 16-bit grayscale."""
    if mode == "I;16":
        return Image.fromarray(np.asarray(image.convert("L"), dtype=np.uint16) * 257)  # uint16 -> I;16
    if mode == "P":
        return image.convert("RGB").quantize(64)
    if mode == "LA":
        return image.convert("LA") if image.mode == "RGBA" else image.convert("L").convert("LA")
    return image.convert(mode)


def encode(image: Image.Image, fmt: str = "PNG", orientation: int = 1) -> bytes:
    """Bytes of ``image`` in ``fmt``; with an EXIF orientation, the stored pixels are turned so that
    a viewer that applies the tag shows ``image`` upright."""
    stored = to_stored(image, orientation)
    kwargs: dict = {}
    if orientation != 1:
        exif = Image.Exif()
        exif[ORIENTATION_TAG] = orientation
        kwargs["exif"] = exif.tobytes()
    if fmt == "JPEG":
        kwargs["quality"] = 92
    elif fmt == "PNG":
        kwargs["compress_level"] = 1
    elif fmt == "WEBP":
        kwargs["lossless"] = True
    buf = io.BytesIO()
    stored.save(buf, fmt, **kwargs)
    return buf.getvalue()


@dataclass(frozen=True)
class ImageCase:
    """One generated input: the oriented (user-visible) size is ``width`` x ``height``."""

    width: int
    height: int
    seed: int = 0
    mode: str = "RGB"
    fmt: str = "PNG"
    orientation: int = 1

    @property
    def stored_size(self) -> tuple[int, int]:
        return (self.height, self.width) if self.orientation in SWAPS_AXES else (self.width, self.height)

    def picture(self) -> Image.Image:
        """The oriented picture in its colour mode, as a user sees it."""
        alpha = self.mode in ("RGBA", "LA")
        return to_mode(render(self.width, self.height, self.seed, alpha=alpha), self.mode)

    def encode(self) -> bytes:
        return encode(self.picture(), self.fmt, self.orientation)

    @property
    def filename(self) -> str:
        return "image." + {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}[self.fmt]

    def describe(self) -> str:
        extra = f", EXIF {self.orientation}" if self.orientation != 1 else ""
        return f"{self.width}x{self.height} {self.mode} {self.fmt}{extra} seed {self.seed}"


@st.composite
def image_cases(draw, max_side: int = 96, min_side: int = 8, modes=COLOUR_MODES, formats=INPUT_FORMATS,
                orientations=(1,)) -> ImageCase:
    """Small content images in any colour mode and input format."""
    fmt = draw(st.sampled_from(formats))
    mode = draw(st.sampled_from([m for m in modes if m in _FORMAT_MODES[fmt]]))
    return ImageCase(
        width=draw(st.integers(min_side, max_side)),
        height=draw(st.integers(min_side, max_side)),
        seed=draw(st.integers(0, 2**16)),
        mode=mode,
        fmt=fmt,
        orientation=draw(st.sampled_from(orientations)),
    )


# --- sizes around a limit ------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeCase:
    """An oriented size next to a limit and whether the limit accepts it."""

    width: int
    height: int
    accept: bool
    shape: str = ""


def boundary_cases(limit: Limit, widths) -> list[SizeCase]:
    """For each width: the tallest accepted size and the first rejected one above it."""
    out = []
    for w in widths:
        h = limit.largest_height(w)
        if h >= 1:
            out.append(SizeCase(w, h, True, _shape(w, h)))
        out.append(SizeCase(w, max(h, 0) + 1, False, _shape(w, h + 1)))
    return out


def shape_widths(limit: Limit) -> dict[str, int]:
    """A width per shape family (square, landscape, portrait, elongated) for this limit."""
    if limit.kind == "pixels":
        side = math.isqrt(limit.max_pixels)
        return {"square": side, "landscape": side * 2, "portrait": side // 2, "elongated": side * 8,
                "narrow": max(1, side // 16)}
    return {"square": limit.max_width, "portrait": max(1, limit.max_width // 2), "narrow": 1}


def per_axis_edges(limit: Limit) -> list[SizeCase]:
    """Each axis at the bound and one past it, alone and together (only for per-axis limits)."""
    if limit.kind != "per_axis":
        return []
    mw, mh = limit.max_width, limit.max_height
    return [
        SizeCase(mw, mh, True, "square"),
        SizeCase(mw + 1, 1, False, "wide line"),
        SizeCase(1, mh + 1, False, "tall line"),
        SizeCase(mw + 1, mh - 1, False, "width over"),
        SizeCase(mw - 1, mh + 1, False, "height over"),
        SizeCase(mw + 1, mh + 1, False, "both over"),
    ]


def landscape_pair(limit: Limit) -> list[SizeCase]:
    """A 2:1-ish landscape size just inside the limit and one just past it (used with EXIF rotations)."""
    if limit.kind == "pixels":
        w = limit.largest_square() * 2
        h = limit.largest_height(w)
        return [SizeCase(w, h, True, "landscape"), SizeCase(w, h + 1, False, "landscape")]
    h = max(1, limit.max_height // 2)
    return [SizeCase(limit.max_width, h, True, "landscape"), SizeCase(limit.max_width + 1, h, False, "landscape")]


def limit_cases(limit: Limit) -> list[SizeCase]:
    """The deterministic edge cases every run checks at least once."""
    cases = boundary_cases(limit, shape_widths(limit).values()) + per_axis_edges(limit)
    seen, out = set(), []
    for c in cases:
        if (c.width, c.height) not in seen:
            seen.add((c.width, c.height))
            out.append(c)
    return out


@st.composite
def sizes_around(draw, limit: Limit) -> SizeCase:
    """Any width with its largest accepted and first rejected height (pixel budget), or any point
    on the per-axis edge, drawn by Hypothesis."""
    accept = draw(st.booleans())
    # Accepted sizes stay ordinary (at most 4:1): acceptance of thinner shapes is no promise, since
    # the minimum size is unknown (contract.is_ordinary); any shape past the limit must be refused.
    if limit.kind == "pixels":
        side = math.isqrt(limit.max_pixels)
        w = draw(st.integers(-(-side // 2), side * 2) if accept else st.integers(max(1, side // 20), side * 20))
        h = limit.largest_height(w) + (0 if accept else 1)
        return SizeCase(w, h, accept, _shape(w, h))
    if accept:
        w = draw(st.integers(max(ORDINARY_MIN_SIDE, -(-limit.max_height // ORDINARY_MAX_ASPECT)), limit.max_width))
        return SizeCase(w, limit.max_height, True, _shape(w, limit.max_height))
    over_w = draw(st.booleans())
    w = limit.max_width + 1 if over_w else draw(st.integers(1, limit.max_width + 1))
    h = draw(st.integers(1, limit.max_height + 1)) if over_w else limit.max_height + 1
    return SizeCase(w, h, False, _shape(w, h))


def _shape(w: int, h: int) -> str:
    ratio = w / max(h, 1)
    if ratio >= 4 or ratio <= 0.25:
        return "elongated"
    if 0.9 <= ratio <= 1.1:
        return "square"
    return "landscape" if ratio > 1 else "portrait"


def limit_image(case: SizeCase, orientation: int = 1, fmt: str = "PNG", seed: int = 0) -> bytes:
    """Encoded content at a limit-sized shape, cheap enough for megapixel inputs."""
    return ImageCase(case.width, case.height, seed=seed, fmt=fmt, orientation=orientation).encode()


def request_for(case: ImageCase, mode: str = "ai.fast", **kwargs) -> UpscaleRequest:
    """The request the seed's curl examples would send for this case."""
    return UpscaleRequest(image=case.encode(), mode=mode, filename=case.filename, **kwargs)
