"""The sandbox watermark: what the vendor does to results for a ``sandbox_`` key.

CONTRACT-NOTES: "A key prefixed ``sandbox_`` is a free sandbox key: results carry a watermark."
The vendor's exact mark is not documented; this one is a tiled, semi-transparent text, as such
marks usually are, so that the suite's pixel checks meet the same trouble they will meet on the
vendor: a pattern over the picture that the input never had.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

TEXT = "PHOTOROOM SANDBOX"
OPACITY = 0.35  # of white over the picture, where the text is
ANGLE = 30  # degrees; a slanted mark cannot be mistaken for a shift along one axis
TEXT_SHARE = 16  # the text is this many times smaller than the image's short side


@lru_cache(maxsize=32)
def _tile(font_px: int) -> Image.Image:
    """One tile of the mark as an L mask (255 = text), slanted, with room around it."""
    font = ImageFont.load_default(size=font_px)
    left, top, right, bottom = font.getbbox(TEXT)
    text = Image.new("L", (right - left + font_px, bottom - top + font_px), 0)
    ImageDraw.Draw(text).text((font_px // 2 - left, font_px // 2 - top), TEXT, fill=255, font=font)
    slanted = text.rotate(ANGLE, expand=True, resample=Image.Resampling.BILINEAR)
    tile = Image.new("L", (slanted.width + 2 * font_px, slanted.height + font_px), 0)
    tile.paste(slanted, (font_px, font_px // 2))
    return tile


def mask_for(size: tuple[int, int]) -> Image.Image:
    """The mark's mask over an image of ``size``: tiles sized to the image, at least 10 px text."""
    width, height = size
    tile = _tile(max(10, min(width, height) // TEXT_SHARE))
    mask = Image.new("L", size, 0)
    for y in range(0, height, tile.height):
        for x in range(0, width, tile.width):
            mask.paste(tile, (x, y))
    return mask


def watermark(im: Image.Image) -> Image.Image:
    """``im`` with the mark over its colours; alpha, mode and size are kept."""
    mask = mask_for(im.size).point(lambda v: round(v * OPACITY))
    if im.mode in ("RGBA", "LA"):
        colour, alpha = im.convert("RGB" if im.mode == "RGBA" else "L"), im.getchannel("A")
        marked = Image.composite(Image.new(colour.mode, im.size, "white"), colour, mask)
        marked.putalpha(alpha)
        return marked
    base = im if im.mode in ("RGB", "L") else im.convert("RGB")
    return Image.composite(Image.new(base.mode, im.size, "white"), base, mask)
