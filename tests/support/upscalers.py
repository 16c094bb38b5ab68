"""Honest and faulty upscales made in process: what the perceptual checks must pass and fail."""

from __future__ import annotations

from PIL import Image, ImageFilter

from upscale_conformance import perceptual as pc

R = Image.Resampling


def up(im: Image.Image, resample=R.BICUBIC) -> Image.Image:
    im = pc.to_rgba(im) if pc.has_alpha(im) else pc.to_rgb(im)
    return im.resize((im.width * 4, im.height * 4), resample)


def sharpened(im: Image.Image) -> Image.Image:
    return up(im).filter(ImageFilter.UnsharpMask(radius=2, percent=120, threshold=2))


def on_colour(out: Image.Image, fn) -> Image.Image:
    """Apply fn to the colour bands and keep the alpha, as a server fault would."""
    alpha = out.getchannel("A") if out.mode == "RGBA" else None
    rgb = fn(out.convert("RGB")).convert("RGB")
    if alpha is not None:
        rgb.putalpha(alpha)
    return rgb


def swap_rb(out: Image.Image) -> Image.Image:
    def swap(rgb: Image.Image) -> Image.Image:
        r, g, b = rgb.split()
        return Image.merge("RGB", (b, g, r))

    return on_colour(out, swap)


def shifted(out: Image.Image, dx: int) -> Image.Image:
    return out.transform(out.size, Image.Transform.AFFINE, (1, 0, -dx, 0, 1, 0), resample=R.NEAREST)
