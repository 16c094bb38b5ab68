"""A baseline JPEG written in strips that threads encode at the same time, joined at restart markers.

A restart marker (RSTn) resets the only state a baseline JPEG carries from one block to the next:
the DC predictions. So strips encoded as separate JPEGs, with the same quantisation and Huffman
tables (same quality, no ``optimize``), are one JPEG once their entropy-coded data are joined with
RST0, RST1, ... between them, under the first strip's headers with the whole height written into
the frame header and a DRI segment saying that a restart comes every strip's worth of MCUs. Every
8x8 block is coded exactly as in one whole-image encode (colour conversion, chroma subsampling and
the DCT are all local to an MCU, 16 rows high at most, and strips start on MCU rows), so a
decoder gives the same pixels; only the restart markers tell the files apart.

>>> from PIL import Image
>>> im = Image.radial_gradient("L").convert("RGB").resize((40, 70))
>>> parts = [scan(im.crop((0, 0, 40, 32))), scan(im.crop((0, 32, 40, 64))), scan(im.crop((0, 64, 40, 70)))]
>>> joined = Image.open(io.BytesIO(assemble(parts, im.size, 32)))
>>> whole = Image.open(io.BytesIO(encode(im)))
>>> joined.tobytes() == whole.tobytes()
True
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

from PIL import Image

QUALITY = 80  # the server's JPEG quality, whole or in strips
MCU_ROWS = 16  # pixel rows of one MCU row at 4:2:0 (8 for grey; 16 is a multiple of both)
MAX_INTERVAL = 65_535  # DRI holds the restart interval in 16 bits
SOF0, DRI, SOS, EOI = 0xC0, 0xDD, 0xDA, 0xD9


@dataclass(frozen=True)
class Scan:
    """One strip, encoded: the headers up to and including SOS, and the entropy-coded data."""

    headers: bytes
    data: bytes


def _save(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=QUALITY)  # Pillow's defaults otherwise: 4:2:0, standard Huffman tables
    return buf.getvalue()


def encode(im: Image.Image) -> bytes:
    """The whole image (L or RGB) in one scan: the one-thread path's JPEG."""
    return _save(im)


def scan(im: Image.Image) -> Scan:
    """Encode one strip (L or RGB) and cut it into its headers and its entropy-coded data."""
    data = _save(im)
    pos = 2  # after SOI
    while True:
        marker, length = data[pos + 1], struct.unpack(">H", data[pos + 2:pos + 4])[0]
        pos += 2 + length
        if marker == SOS:
            break
    if data[-2:] != b"\xff" + bytes([EOI]):
        raise ValueError("the JPEG encoder wrote something after the scan; cannot join strips")
    return Scan(data[:pos], data[pos:-2])


def interval(width: int, mode: str, strip_rows: int) -> int:
    """MCUs in a strip of ``strip_rows`` rows: the restart interval."""
    mcu = 8 if mode == "L" else 16
    return -(-width // mcu) * (strip_rows // mcu)


def max_strip_rows(width: int, mode: str) -> int:
    """The tallest strip (a multiple of MCU_ROWS) whose MCUs a 16-bit restart interval can count."""
    per_row = interval(width, mode, MCU_ROWS)
    return max(MCU_ROWS, MAX_INTERVAL // per_row * MCU_ROWS)


def assemble(scans: list[Scan], size: tuple[int, int], strip_rows: int) -> bytes:
    """One JPEG from the strips' scans; every strip but the last is ``strip_rows`` high."""
    headers = bytearray(scans[0].headers)
    mode = "L" if _components(headers) == 1 else "RGB"
    if strip_rows % MCU_ROWS:
        raise ValueError(f"strips must be a multiple of {MCU_ROWS} rows, not {strip_rows}")
    every = interval(size[0], mode, strip_rows)
    if every > MAX_INTERVAL:
        raise ValueError(f"{every} MCUs per strip do not fit a restart interval; use strips of at most "
                         f"{max_strip_rows(size[0], mode)} rows")
    sof = _find(headers, SOF0)
    struct.pack_into(">H", headers, sof + 5, size[1])  # the frame's height: the whole image's
    sos = _find(headers, SOS)
    dri = struct.pack(">BBHH", 0xFF, DRI, 4, every)
    parts = [bytes(headers[:sos]), dri, bytes(headers[sos:])]
    for i, s in enumerate(scans):
        if i:
            parts.append(bytes((0xFF, 0xD0 + (i - 1) % 8)))
        parts.append(s.data)
    parts.append(bytes((0xFF, EOI)))
    return b"".join(parts)


def _find(headers: bytes | bytearray, marker: int) -> int:
    pos = 2
    while pos < len(headers):
        if headers[pos + 1] == marker:
            return pos
        pos += 2 + struct.unpack(">H", headers[pos + 2:pos + 4])[0]
    raise ValueError(f"no 0xFF{marker:02X} segment in the strip's headers")


def _components(headers: bytes | bytearray) -> int:
    return headers[_find(headers, SOF0) + 9]
