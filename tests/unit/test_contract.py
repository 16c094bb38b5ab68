"""The contract files, read in this process: the OpenAPI document is valid, the two profiles say what
the vendor's pages say, the clause registry is complete, and a broken or inconsistent file is named by
`validate_contract` down to its field."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from tests.support.contracts import replace_once
from upscale_conformance.contract import (
    contracts_dir,
    load_clauses,
    load_profile,
    validate_contract,
)
from upscale_conformance.errors import ContractError


def test_openapi_document_is_valid_openapi_3_1():
    spec, _ = read_from_filename(str(contracts_dir() / "upscale.openapi.yaml"))
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_default_profile_is_the_2026_pixel_budget():
    profile = load_profile(None)
    assert profile.id == "pixel-budget-2026"
    assert profile.limit("ai.fast").max_pixels == 1_000_000
    assert profile.limit("ai.slow").max_pixels == 262_144
    assert profile.limit("ai.fast").accepts(2000, 500) and not profile.limit("ai.fast").accepts(2001, 500)
    assert profile.limit("ai.fast").accepts(1001, 999)


def test_per_axis_profile_is_the_seed_page():
    profile = load_profile("per-axis-2025")
    fast, slow = profile.limit("ai.fast"), profile.limit("ai.slow")
    assert (fast.max_width, fast.max_height) == (1000, 1000)
    assert (slow.max_width, slow.max_height) == (512, 512)
    assert fast.accepts(1000, 1000) and not fast.accepts(1001, 1)
    assert not fast.accepts(1001, 999)


@pytest.mark.parametrize(
    ("width", "height"), [(1, 1), (3, 7), (4000, 1000), (999, 1003), (10_000, 10)]
)
def test_fit_keeps_aspect_and_lands_within_each_limit(width, height):
    for name in ("pixel-budget-2026", "per-axis-2025"):
        for limit in load_profile(name).limits.values():
            w, h = limit.fit(width, height)
            assert limit.accepts(w, h)
            if not limit.accepts(width, height):
                if limit.kind == "pixels":
                    scale = (limit.max_pixels / (width * height)) ** 0.5
                else:
                    scale = min(limit.max_width / width, limit.max_height / height)
                # Each side is the exactly scaled side, rounded down (never below one pixel).
                assert abs(w - width * scale) <= 1.5 and abs(h - height * scale) <= 1.5
                assert not limit.accepts(w + 1, h + 1)


def test_clause_registry_has_the_required_clauses():
    ids = set(load_clauses())
    for required in ("DIM-4X", "LIMIT-FAST-EDGE", "LIMIT-SLOW-EDGE", "ERR-BODY", "ERR-NO-5XX",
                     "AUTH-REQUIRED", "MODE-UNKNOWN", "MODEL-SWITCH", "MODEL-UNKNOWN-VERSION",
                     "FMT-PNG-DEFAULT", "FMT-EXPORT", "ALPHA-KEPT", "FIDELITY-GEOMETRY",
                     "DOWNSCALE-ALWAYS", "INPUT-FORMATS", "INPUT-MODES", "PERCEPTUAL-REGRESSION"):
        assert required in ids
    assert load_clauses()["MODEL-UNKNOWN-VERSION"].level == "observe"


def test_shipped_contract_validates():
    assert validate_contract() == []


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("max_pixels: 1000000", "max_pixels: lots", "modes.ai.fast.limit.max_pixels"),
        ("kind: pixels, max_pixels: 262144", "kind: diagonal", "modes.ai.slow.limit.kind"),
        ("  auth: [401, 403]", "  auth: []", "statuses.auth"),
        ("max_upload_bytes: 31457280\n", "", "max_upload_bytes"),
        ("modes:", "modes: [oops", "line"),
    ],
)
def test_broken_profile_names_file_and_field(contract_copy, old, new, field):
    path = contract_copy / "profiles" / "pixel-budget-2026.yaml"
    replace_once(path, old, new)
    with pytest.raises(ContractError) as info:
        load_profile("pixel-budget-2026")
    message = str(info.value)
    assert str(path) in message and field in message
    assert "\n" not in message


def test_missing_profile_lists_the_available_ones():
    with pytest.raises(ContractError, match="available: per-axis-2025, pixel-budget-2026"):
        load_profile("no-such-profile")


def test_validate_catches_a_clause_no_suite_checks(contract_copy):
    path = contract_copy / "clauses.yaml"
    path.write_text(path.read_text() + """  - id: NEW-PROMISE
    promise: Something new.
    source: "test"
    level: must
    group: limits
  - id: ORPHAN
    promise: Something else.
    source: "test"
    level: must
    group: nowhere
""")
    problems = validate_contract()
    assert any("NEW-PROMISE: no test in test_limits.py" in p for p in problems)
    assert any("NEW-PROMISE: a must clause needs a source" in p for p in problems)  # "test" names no sentence
    assert any("ORPHAN: group 'nowhere' has no suite module" in p for p in problems)


def test_validate_catches_an_export_format_the_openapi_does_not_know(contract_copy):
    replace_once(contract_copy / "profiles" / "pixel-budget-2026.yaml", "  webp: image/webp", "  gif: image/gif")
    assert any("export_formats.gif" in p for p in validate_contract())
