"""Perceptual hashes of an output and their Hamming distances."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import imagehash
from PIL import Image

from .images import fit_within, to_rgb

HASH_SIDE = 256  # hashes are computed on this downscale: same hash, a fraction of the time
HASH_KINDS = ("phash", "dhash", "whash", "colorhash")
COLORHASH_BINBITS = 3


@dataclass(frozen=True)
class ImageHashes:
    """imagehash hex digests: pHash, dHash, wHash (64 bits each) and colour hash (42 bits)."""

    phash: str
    dhash: str
    whash: str
    colorhash: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def image_hashes(im: Image.Image) -> ImageHashes:
    """Perceptual hashes of the image as seen over the fixed background."""
    small = fit_within(to_rgb(im), HASH_SIDE)
    return ImageHashes(
        phash=str(imagehash.phash(small)),
        dhash=str(imagehash.dhash(small)),
        whash=str(imagehash.whash(small)),
        colorhash=str(imagehash.colorhash(small, binbits=COLORHASH_BINBITS)),
    )


def _parse_hash(kind: str, hexstr: str) -> imagehash.ImageHash:
    if kind == "colorhash":
        return imagehash.hex_to_flathash(hexstr, COLORHASH_BINBITS * 14)
    return imagehash.hex_to_hash(hexstr)


def hash_distances(a: ImageHashes, b: ImageHashes) -> dict[str, int]:
    """Hamming distance per hash kind (0: identical)."""
    return {k: int(_parse_hash(k, getattr(a, k)) - _parse_hash(k, getattr(b, k))) for k in HASH_KINDS}
