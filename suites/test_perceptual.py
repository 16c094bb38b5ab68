"""PERCEPTUAL-*: outputs of the curated inputs stay honest upscales and close to the recorded goldens."""

from __future__ import annotations

import pytest

from upscale_conformance import goldens
from upscale_conformance.checks import Violation
from upscale_conformance.plugin import option


def pytest_generate_tests(metafunc):
    if "golden_case" not in metafunc.fixturenames:
        return
    from upscale_conformance.contract import load_profile

    config = metafunc.config
    profile = load_profile(option(config, "upscale_profile") or None)
    combos = goldens.combos_for(profile)
    cases = goldens.plan(goldens.list_inputs(), profile, combos)
    if option(config, "upscale_quick"):  # one input per mode and model still judges both clauses
        cases = [next(c for c in cases if c[1] == combo) for combo in combos]
    metafunc.parametrize("golden_case", cases, ids=[f"{combo.slug}-{path.stem}" for path, combo in cases])


@pytest.fixture(scope="session")
def golden_target(pytestconfig):
    chosen = option(pytestconfig, "upscale_golden_target")
    if chosen:
        try:
            goldens.golden_target_name(chosen)
        except ValueError as exc:
            raise pytest.UsageError(f"--upscale-golden-target: {exc}") from None
    target = option(pytestconfig, "upscale_target") or "local"
    return chosen or ("local" if target == "local" else goldens.target_slug(target))


@pytest.mark.clause("PERCEPTUAL-PORTABLE", "PERCEPTUAL-REGRESSION")
def test_output_is_an_honest_upscale_close_to_its_golden(upscale_client, upscale_profile, upscale_guarded,
                                                         upscale_evidence_dir, pytestconfig, verdict, golden_target,
                                                         upscale, golden_case):
    # `upscale` is requested for the per-test call accounting; the golden check sends through the same client.
    path, combo = golden_case
    golden_dir = option(pytestconfig, "upscale_golden_dir") or goldens.default_golden_dir()
    found = upscale_guarded(goldens.check_one, upscale_client, path, golden_dir, golden_target, upscale_profile,
                            combo.mode, combo.model_version)
    verdict.sent(found.elapsed)
    evidence = {"input": path.name, "combo": combo.slug, "golden": found.regression.golden_path}
    if found.diff_png:
        diff = upscale_evidence_dir / f"{golden_target}-{upscale_profile.id}-{combo.slug}-{path.stem}.png"
        diff.write_bytes(found.diff_png)
        evidence["diff_image"] = str(diff)
    problems = []
    if found.portable is not None and not found.portable.ok:
        problems.append(Violation(f"portable_{found.portable.defect}", "PERCEPTUAL-PORTABLE",
                                  f"{combo.slug} {path.name}: {found.portable.message}", evidence))
    status = found.regression.status
    if status == "warn":
        verdict.observe("PERCEPTUAL-REGRESSION", f"warn: {found.regression.message}", **evidence)
    elif status in ("fail", "error"):
        problems.append(Violation(f"regression_{status}", "PERCEPTUAL-REGRESSION",
                                  f"{combo.slug} {path.name}: {found.regression.message}", evidence))
    verdict.check(problems)
    if status == "missing":
        pytest.skip(f"no golden for target {golden_target!r}: record one with `upscale-conformance goldens record`")
