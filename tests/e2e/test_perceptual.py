"""The perceptual measures: honest upscalers pass the portable checks, each defect is named,
regression distances see blur, noise and casts, and alpha and colour modes are handled."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageFilter, ImageOps

from upscale_conformance import perceptual as pc

INPUTS = Path(__file__).resolve().parents[2] / "fixtures" / "inputs"
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


HONEST = {
    "bilinear": lambda im: up(im, R.BILINEAR),
    "bicubic": lambda im: up(im, R.BICUBIC),
    "lanczos": lambda im: up(im, R.LANCZOS),
    "sharpened": sharpened,
}
ALL_INPUTS = sorted(p.name for p in INPUTS.iterdir() if p.suffix in (".png", ".jpg"))


DEFECTS = {
    "mirrored": lambda out: ImageOps.mirror(out),
    "flipped": lambda out: ImageOps.flip(out),
    "rotated": lambda out: out.rotate(90, expand=True),
    "shifted": lambda out: shifted(out, 4),
    "channel-swap": swap_rb,
    "grayscale": lambda out: on_colour(out, lambda rgb: rgb.convert("L")),
    "brightness": lambda out: on_colour(out, lambda rgb: rgb.point(lambda v: min(255, v + 12))),
    "colour-shift": lambda out: on_colour(out, lambda rgb: Image.merge("RGB", (
        rgb.getchannel("R").point(lambda v: min(255, v + 12)), rgb.getchannel("G"),
        rgb.getchannel("B").point(lambda v: max(0, v - 8))))),
}


def test_an_answer_that_is_no_image_fails_the_portable_verdict_instead_of_passing_it(tmp_path):
    """Without goldens the perceptual group judges only PERCEPTUAL-PORTABLE; an answer that does not
    decode must not leave that clause PASS with nothing judged."""
    import json
    import subprocess
    import sys

    from upscale_conformance.contract import suites_dir
    from upscale_conformance.server import serve_in_subprocess
    from upscale_conformance.server.faults import Faults

    summary = tmp_path / "summary.json"
    with serve_in_subprocess(faults=Faults(truncate_output=True)) as url:
        out = subprocess.run([sys.executable, "-m", "pytest", str(suites_dir() / "test_perceptual.py"), "-q",
                              "-p", "no:cacheprovider", "--upscale-target", url, "--upscale-api-key", "k-0123456789",
                              "--upscale-quick", "1", "--upscale-golden-target", "nobody-recorded-this",
                              "--upscale-summary", str(summary)], capture_output=True, text=True, timeout=300)
    portable = json.loads(summary.read_text())["clauses"]["PERCEPTUAL-PORTABLE"]
    assert portable["verdict"] == "FAIL", out.stdout[-2000:]
    assert "does not decode" in portable["evidence"][0]["message"]
