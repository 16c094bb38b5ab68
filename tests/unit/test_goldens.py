"""The golden store's pieces that need no server: thresholds come from the contract file, and a
target's URL becomes the slug its goldens are filed under."""

from __future__ import annotations

from pathlib import Path

import pytest

from upscale_conformance import goldens as gs
from upscale_conformance.errors import ContractError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "inputs"
PROFILE = "pixel-budget-2026"
# A colour photo, the RGBA graphic and a grayscale scan: every code path, few calls.
SUBSET = ("coffee_cup.png", "flat_logo_rgba.png", "text_scan.png")


# --- thresholds as data ------------------------------------------------------------------------------


def test_thresholds_are_read_from_the_contract_file(tmp_path):
    t = gs.load_thresholds()
    assert t.path.endswith("contracts/perceptual.yaml") and t.regression["band_4_8"].fail > 0
    bad = tmp_path / "perceptual.yaml"
    text = Path(t.path).read_text().replace("band_4_8:", "band_9_9:", 1)
    bad.write_text(text)
    with pytest.raises(ContractError, match="unknown metric"):
        gs.load_thresholds(bad)
    bad.write_text(Path(t.path).read_text().replace("warn: 0.93, fail: 0.90", "warn: 0.80, fail: 0.90"))
    with pytest.raises(ContractError, match="stricter"):
        gs.load_thresholds(bad)


def test_target_slugs():
    assert gs.target_slug("local") == "local"
    assert gs.target_slug("https://image-api.photoroom.com") == "image-api-photoroom-com"
    assert gs.target_slug("http://127.0.0.1:8000/") == gs.target_slug("http://127.0.0.1:9000") == "127-0-0-1"
