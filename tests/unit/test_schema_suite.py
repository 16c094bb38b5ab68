"""The schema suite's configuration (``plugin/schema/``), piece by piece: the image strategy,
the documents adapted to the profile, the 4x check, which failures are hygiene, the cost gate.
The suite against servers: tests/e2e/test_schema_suite.py.
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from upscale_conformance.contract import MODEL_HEADER, MODES, load_profile
from upscale_conformance.plugin import schema as sc
from upscale_conformance.strategies import ImageCase

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ("pixel-budget-2026", "per-axis-2025")


def test_hygiene_failures_are_split_from_must_failures():
    from schemathesis.core.failures import ServerError

    error = ServerError(operation="POST /v2/edit", status_code=501)
    must, notes = sc.split_failures([error], "TRACE")
    assert must == [] and len(notes) == 1 and notes[0].startswith("not_a_server_error"), notes
    assert sc.split_failures([error], "POST") == ([error], [])  # a 5xx for a declared request still fails


# --- the pieces ------------------------------------------------------------------------------------


def drawn_images(profile: str, n: int) -> list[ImageCase]:
    """``n`` images as the suite draws them for ``imageFile``, derandomized like the CI profiles."""
    limits = tuple(load_profile(profile).limit(m) for m in MODES)
    seen: list[ImageCase] = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(*(sc.image_cases_within(limits, fmt) for fmt in sc.PART_FORMATS.values())))
    def draw(case):
        seen.append(case)

    draw()
    return seen


@pytest.mark.parametrize("profile", PROFILES)
def test_generated_images_vary_and_fit_every_mode(profile):
    limits = [load_profile(profile).limit(m) for m in MODES]
    few = drawn_images(profile, sc.MAX_POSITIVE_EXAMPLES)  # what one run of the suite sends
    assert len({(c.width, c.height) for c in few}) >= 0.8 * len(few), "the same size over and over"
    many = drawn_images(profile, 40)
    assert len(set(many)) == len(many)  # no picture twice
    assert max(Counter((c.width, c.height) for c in many).values()) <= 0.25 * len(many)
    assert all(lim.accepts(c.width, c.height) and lim.accepts(c.height, c.width) for c in many for lim in limits)
    assert all(c.width * c.height <= sc.MAX_PIXELS for c in many)
    assert max(c.width * c.height for c in many) >= 20_000  # not only thumbnails
    assert {c.fmt for c in many} == set(sc.PART_FORMATS.values())
    assert len({c.orientation for c in many}) >= 5 and len({c.mode for c in many}) >= 4


@pytest.mark.parametrize("orientation", [1, 6])
def test_oriented_size_reads_exif(orientation):
    data = ImageCase(40, 20, seed=3, orientation=orientation).encode()
    assert sc.oriented_size(data) == (40, 20)
    assert sc.oriented_size(b"not an image") is None


def _png(size) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def test_the_4x_check_judges_only_200_answers_to_real_images():
    image = ImageCase(30, 20, seed=1, orientation=6).encode()  # stored 20x30, shown 30x20
    case = SimpleNamespace(body={"imageFile": image, "upscale.mode": "ai.fast"},
                           operation=SimpleNamespace(label="POST /v2/edit"))
    ok = SimpleNamespace(status_code=200, content=_png((120, 80)))
    assert sc.exactly_4x(None, ok, case) is None
    with pytest.raises(sc.NotFourTimes) as info:
        sc.exactly_4x(None, SimpleNamespace(status_code=200, content=_png((80, 120))), case)
    [v] = sc.violations_from([info.value], "a request")
    assert (v.clause, v.code, v.measured.values["expected"]) == ("DIM-4X", "size_not_4x", (120, 80))
    assert sc.exactly_4x(None, SimpleNamespace(status_code=400, content=b"{}"), case) is None
    no_image = SimpleNamespace(body={"imageFile": b"", "upscale.mode": "ai.fast"}, operation=case.operation)
    assert sc.exactly_4x(None, ok, no_image) is None


def test_schemathesis_failures_become_schema_violations():
    from schemathesis.core.failures import ServerError

    [v] = sc.violations_from([ServerError(operation="POST /v2/edit", status_code=500)], "a request")
    assert (v.clause, v.code) == ("SCHEMA-CONFORMS", "schemathesis_not_a_server_error")


def test_the_documents_are_adapted_to_the_profile():
    per_axis = load_profile("per-axis-2025")
    form = sc.form_schema(sc.positive_document(per_axis))
    assert {"imageFile", "upscale.mode", "removeBackground", "referenceBox"} <= set(form["required"])
    assert form["additionalProperties"] is False
    assert "avif" not in form["properties"]["export.format"]["enum"]  # not an export format of this profile
    probe = sc.probe_document(per_axis)
    assert not [p for p in sc.operation(probe).get("parameters", []) if p["name"] == MODEL_HEADER]
    assert "removeBackground" not in sc.form_schema(probe)["properties"]
    assert "" in sc.form_schema(probe)["properties"]["export.format"]["enum"]


@pytest.mark.parametrize(("local", "env", "on"), [
    (True, {}, True), (False, {}, False), (False, {sc.PROBES_ENV: "1"}, True), (True, {sc.PROBES_ENV: "0"}, False),
])
def test_probes_are_opt_in_away_from_a_local_target(local, env, on):
    assert sc.probes_enabled(local, env) is on


def test_plans_cap_examples_and_keep_negative_work_out_of_the_positive_run():
    assert sc.positive_plan(100).max_examples == sc.MAX_POSITIVE_EXAMPLES
    assert sc.positive_plan(2).max_examples == 2
    positive, probes = sc.positive_plan(8), sc.probe_plan(8)
    assert positive.phases == ("fuzzing",) and positive.mode == "positive"
    assert "negative_data_rejection" not in positive.checks and "unsupported_method" not in positive.checks
    assert "coverage" in probes.phases and probes.mode == "negative"
