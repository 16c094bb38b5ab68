"""Typed findings (findings.py): what was asked and measured, the one fingerprint and its one reader, and a
known-failures pattern matching a finding made by the real checks (issue 27). No server, no process: the
target is played by httpx.MockTransport."""

from __future__ import annotations

import io
from datetime import date
from types import SimpleNamespace

import httpx
import pytest
from PIL import Image

from upscale_conformance.checks import check_size
from upscale_conformance.client import Budget, Secret, UpscaleClient, UpscaleRequest
from upscale_conformance.findings import Asked, Measured, Violation, fingerprint, parse_fingerprint
from upscale_conformance.history.known import parse_text
from upscale_conformance.history.records import finding_from
from upscale_conformance.plugin import schema as sc
from upscale_conformance.report.deciding import decide
from upscale_conformance.verdicts import FAIL, KNOWN, Outcome, Recorder

TODAY = date(2026, 6, 1)
KNOWN_FAST = "- pattern: {clause: DIM-4X, mode: ai.fast}\n  reason: r\n  expires: 2026-07-01\n"


def _png(size: tuple[int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (90, 120, 30)).save(buf, "PNG")
    return buf.getvalue()


def _reported(found: list[Violation]) -> dict:
    """The violations as a failing test's report carries them (Recorder.payload), decided with ``KNOWN_FAST``
    (report.deciding.decide): the run's path from a check to a verdict."""
    recorder = Recorder()
    with pytest.raises(AssertionError):
        recorder.check(found)
    outcome = Outcome(clauses=("DIM-4X",), failed=True, violations=recorder.payload()["violations"])
    decided = decide([outcome], {"DIM-4X": "must"}, known=parse_text(KNOWN_FAST, today=TODAY), today=TODAY)
    return {"verdict": decided.verdicts["DIM-4X"].verdict, "findings": decided.findings["DIM-4X"]}


def test_a_known_pattern_for_ai_fast_matches_a_dim_4x_failure_of_the_client_and_check_size():
    def target(request: httpx.Request) -> httpx.Response:  # answers 2x instead of 4x
        return httpx.Response(200, headers={"content-type": "image/png"}, content=_png((80, 60)))

    with UpscaleClient("http://target.test", Secret("sk_test_x"), Budget(None),
                       transport=httpx.MockTransport(target), sleep=lambda s: None) as client:
        result = client.send(UpscaleRequest(image=_png((40, 30)), mode="ai.fast", export_format="png"))
    found = check_size(result, (40, 30))
    assert found and found[0].asked == Asked("ai.fast", "", "png", "PNG")
    assert _reported(found) == {"verdict": KNOWN, "findings": ["DIM-4X/size_not_4x/ai.fast/-/png/PNG"]}


def test_a_known_pattern_for_ai_fast_matches_a_dim_4x_failure_of_the_schema_suite():
    # The schema suite's request line reads `upscale.mode='ai.fast'`: the mode once came out of it, quotes and all.
    case = SimpleNamespace(body={"imageFile": _png((40, 30)), "upscale.mode": "ai.fast", "removeBackground": "false"},
                           headers={}, method="post", formatted_path="/v2/edit",
                           operation=SimpleNamespace(label="POST /v2/edit"))
    with pytest.raises(sc.NotFourTimes) as info:
        sc.exactly_4x(None, SimpleNamespace(status_code=200, content=_png((80, 60))), case)
    described = sc.describe_case(case)
    assert "upscale.mode='ai.fast'" in described
    found = sc.violations_from([info.value], described, sc.case_asked(case))
    assert _reported(found) == {"verdict": KNOWN, "findings": ["DIM-4X/size_not_4x/ai.fast/-/-/PNG"]}
    # The same pattern does not match another mode: the match is real.
    slow = sc.violations_from([info.value], described, Asked("ai.slow", "", "", "PNG"))
    assert _reported(slow)["verdict"] == FAIL


def test_files_written_before_the_typed_findings_still_read_without_quotes():
    old = {"clause": "DIM-4X", "code": "size_not_4x", "message": "m", "evidence": {
        "request": "POST /v2/edit (imageFile 40x30 stored, RGB PNG; upscale.mode='ai.fast', removeBackground='false')",
        "input_size": [40, 30], "source": "schemathesis"}}
    assert finding_from(old).fingerprint == "DIM-4X/size_not_4x/ai.fast/-/-/-"
    (entry,) = parse_text("- fingerprint: DIM-4X/size_not_4x/'ai.fast'/-/-/-\n  reason: r\n  expires: 2026-07-01\n",
                          today=TODAY)
    assert entry.fingerprint == "DIM-4X/size_not_4x/ai.fast/-/-/-" and entry.matches(finding_from(old))
    assert Violation.from_dict(old).evidence == {"input_size": [40, 30], "source": "schemathesis"}


def test_a_fingerprint_is_read_back_to_the_fields_it_was_built_from():
    asked = Asked("ai/fast%", "ai-upscale-2", "", "raw body")
    text = fingerprint("ROB-NO-5XX", "server_error_for_hostile_input", asked)
    assert text == "ROB-NO-5XX/server_error_for_hostile_input/ai%2Ffast%25/ai-upscale-2/-/raw body"
    assert parse_fingerprint(text) == ("ROB-NO-5XX", "server_error_for_hostile_input", asked)
    with pytest.raises(ValueError, match="CLAUSE/code/mode"):
        parse_fingerprint("DIM-4X/size_not_4x/ai.fast")


def test_a_violation_travels_as_json_and_comes_back_the_same():
    v = Violation("size_not_4x", "DIM-4X", "input 40x30 gave 80x60", {"bundle": "bundles/DIM-4X-1"},
                  Asked("ai.fast", "", "png", "PNG"), Measured(200, "image/png", "", {"output_size": [80, 60]}),
                  "POST /v2/edit (...)", "curl ...", {"function": "check_size", "args": {"oriented": [40, 30]}})
    data = v.as_dict()
    assert data["evidence"]["measured"] == {"output_size": [80, 60]} and data["evidence"]["bundle"]
    assert Violation.from_dict(data) == v


def test_a_hostile_value_of_ten_thousand_characters_keeps_the_fingerprint_short_and_distinct():
    long_a, long_b = "a" * 10_000, "a" * 9_999 + "b"
    fa, fb = (fingerprint("ROB-NO-5XX", "server_error_for_hostile_input", Asked(m)) for m in (long_a, long_b))
    assert len(fa) < 150 and fa != fb and "10,000 chars" in fa  # the store's column holds 400
    assert parse_fingerprint(fa)[2].mode.startswith("aaaa")
