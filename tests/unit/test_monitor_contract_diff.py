"""`contract diff` on documents modelled on the vendor's versions (tests/data/openapi/)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from upscale_conformance.cli.app import cli
from upscale_conformance.contract import Limit, load_profile
from upscale_conformance.monitor import docdiff
from upscale_conformance.monitor.prose import parse_limits

DOCS = Path(__file__).parents[1] / "data" / "openapi"
SEED, APR22, APR27, APR29 = (DOCS / n for n in ("vendor-2025-seed.yaml", "vendor-2026-04-22.yaml",
                                                "vendor-2026-04-27.json", "vendor-2026-04-29.yaml"))


def contract_diff(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["contract", "diff", *map(str, args)], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def lines(output: str, severity: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(severity)]


@pytest.mark.parametrize(("doc", "fast", "slow"), [
    (SEED, Limit("per_axis", max_width=1000, max_height=1000), Limit("per_axis", max_width=512, max_height=512)),
    (APR22, Limit("per_axis", max_width=1000, max_height=1000), Limit("per_axis", max_width=512, max_height=512)),
    (APR27, Limit("pixels", max_pixels=1_000_000), Limit("pixels", max_pixels=512_000)),
    (APR29, Limit("pixels", max_pixels=1_000_000), Limit("pixels", max_pixels=262_144)),
])
def test_each_document_states_its_limits(doc, fast, slow):
    facts = docdiff.read_facts(doc)
    assert facts.prose.limits == {("ai.fast", None): fast, ("ai.slow", None): slow}
    assert facts.prose.unparsed == []  # the 5000x5000 limits of other fields and endpoints are not upscale's
    assert facts.enums["upscale.mode"] == ("ai.fast", "ai.slow")
    assert facts.header_versions == ("ai-upscale-2025-07-29",)
    assert facts.errors["400"] == '{"error!": {"message!": "string"}}'


def test_per_axis_to_a_pixel_budget_is_a_notable_widening_with_a_new_profile_suggested(tmp_path):
    code, out = contract_diff(APR22, APR27)
    assert code == 0, out
    notable = lines(out, "notable")
    assert any("upscale.downscaleIfNeeded added: never, always, skipUpscaleIfNotNeeded" in n for n in notable)
    assert any("ai.fast limit: 1000x1000 per axis -> 1,000,000 pixels (wider" in n for n in notable)
    assert any("ai.slow limit: 512x512 per axis -> 512,000 pixels (wider" in n for n in notable)
    assert lines(out, "breaking") == []
    assert "no profile matches" in out
    suggested = out[out.index("# Suggested"):]
    (tmp_path / "suggested.yaml").write_text(suggested)
    profile = load_profile(str(tmp_path / "suggested.yaml"))
    assert profile.id == "pixel-budget-2026-04-27"
    assert profile.limit("ai.slow") == Limit("pixels", max_pixels=512_000)
    assert "avif" in profile.export_formats


def test_a_smaller_pixel_budget_is_breaking_and_the_matching_profile_is_named():
    code, out = contract_diff(APR27, APR29)
    assert code == 1, out
    assert lines(out, "breaking") == ["breaking  ai.slow limit: 512,000 pixels -> 262,144 pixels "
                                      "(narrower: 715x715 was accepted, now refused)"]
    assert lines(out, "notable") == []
    assert "matches profile `pixel-budget-2026`" in out


def test_fail_on_sets_the_level_that_fails():
    assert contract_diff(APR22, APR27, "--fail-on", "notable")[0] == 1
    assert contract_diff(APR27, APR29, "--fail-on", "none")[0] == 0
    code, out = contract_diff(SEED, APR22)
    assert code == 0 and lines(out, "notable") == ["notable   export.format: 'avif' added"]  # the wording changed


def test_going_back_to_per_axis_is_breaking():
    code, out = contract_diff(APR29, APR22)
    assert code == 1
    assert any("ai.fast limit: 1,000,000 pixels -> 1000x1000 per axis (narrower; changed kind" in b
               for b in lines(out, "breaking"))
    assert any("upscale.downscaleIfNeeded removed" in b for b in lines(out, "breaking"))
    assert "matches profile `per-axis-2025`" in out


def _rewrite(tmp_path: Path, source: Path, edit) -> Path:
    doc = yaml.safe_load(source.read_text())
    edit(doc)
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_a_limit_sentence_it_cannot_read_is_flagged_for_review(tmp_path):
    def vague(doc):
        text = json.dumps(doc).replace("maximum 262,144 input pixels", "about a quarter of a megapixel at most")
        doc.clear()
        doc.update(json.loads(text))

    code, out = contract_diff(APR29, _rewrite(tmp_path, APR29, vague))
    assert code == 1
    breaking = lines(out, "breaking")
    assert any("limit wording changed — review" in b and "quarter of a megapixel" in b for b in breaking)
    assert any("ai.slow limit no longer stated" in b and "review" in b for b in breaking)


def test_an_error_body_of_another_shape_is_breaking_and_a_new_status_notable(tmp_path):
    def errors(doc):
        error = doc["components"]["schemas"]["MessageError"]["properties"]["error"]
        error["properties"], error["required"] = {"detail": {"type": "string"}}, ["detail"]
        doc["paths"]["/v2/edit"]["post"]["responses"]["429"] = {"$ref": "#/components/responses/BadRequest"}

    code, out = contract_diff(APR29, _rewrite(tmp_path, APR29, errors))
    assert code == 1
    assert any(re.search(r"error 400 body changed shape: .*message.* -> .*detail", b) for b in lines(out, "breaking"))
    assert any("error 429 documented" in n for n in lines(out, "notable"))


def test_removed_values_are_breaking(tmp_path):
    def drop(doc):
        doc["components"]["schemas"]["ExportFormat"]["enum"].remove("webp")
        doc["components"]["schemas"]["UpscaleMode"]["enum"].append("ai.ultra")
        doc["components"]["parameters"]["ModelVersion"]["schema"]["enum"] = ["ai-upscale-2026-05-01"]

    code, out = contract_diff(APR29, _rewrite(tmp_path, APR29, drop))
    assert code == 1
    assert "breaking  export.format: 'webp' removed" in out
    assert "notable   upscale.mode: 'ai.ultra' added" in out
    assert "breaking  header pr-ai-upscale-model-version: 'ai-upscale-2025-07-29' removed" in out


@pytest.mark.parametrize(("text", "why"), [("not: [valid", "not valid JSON or YAML"), ("{}", "no paths"),
                                          (None, "file not found")])
def test_an_unreadable_document_is_a_one_line_usage_error(tmp_path, text, why):
    path = tmp_path / "doc.yaml"
    if text is not None:
        path.write_text(text)
    code, out = contract_diff(path, APR29)
    assert code == 2
    assert out.strip().count("\n") == 0 and why in out and "Traceback" not in out


def test_prose_wordings():
    assert parse_limits("`ai.fast`: maximum 1,000,000 input pixels").limits == {
        ("ai.fast", None): Limit("pixels", max_pixels=1_000_000)}
    found = parse_limits("- `ai.fast`: With the default model: maximum 1 megapixel; with `ai-upscale-2025-07-29`: "
                         "maximum 2,000,000 input pixels.").limits
    assert found == {("ai.fast", None): Limit("pixels", max_pixels=1_000_000),
                     ("ai.fast", "ai-upscale-2025-07-29"): Limit("pixels", max_pixels=2_000_000)}
    # An example of 4x is not a limit; a size with no mode or upscaling around it is not upscale's.
    example = "If you send an input image with resolution 300x400, AI Upscale turns it into 1200x1600."
    assert parse_limits(example).limits == {} and parse_limits(example).unparsed == []
    assert parse_limits("The output must not exceed 5000x5000 pixels.").unparsed == []
