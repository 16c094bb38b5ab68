"""PERCEPTUAL-*: outputs of the curated inputs stay honest upscales and close to the recorded goldens.

Which inputs are sent is decided at collection, from the golden store: an input and mode with a
golden is judged on both clauses; without one, only the portable verdict can be reached, so only
what it needs is sent (one input per mode and model in economy or quick runs) and the regression
clause says how to record goldens instead of spending calls on it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from upscale_conformance import goldens
from upscale_conformance.checks import answered, check_portable
from upscale_conformance.plugin.options import economy, golden_target, option, quick
from upscale_conformance.verdicts import Violation


def _golden_dir(config, profile: str) -> Path:
    chosen = option(config, "upscale_golden_dir")
    return Path(chosen) if chosen else goldens.golden_dir_to_read(golden_target(config), profile)


def _one_per_combo(cases, combos):
    return [c for c in (next((c for c in cases if c[1] == combo), None) for combo in combos) if c]


def pytest_generate_tests(metafunc):
    if not {"golden_case", "portable_case"} & set(metafunc.fixturenames):
        return
    from upscale_conformance.contract import load_profile

    config = metafunc.config
    profile = load_profile(option(config, "upscale_profile") or None)
    combos = goldens.combos_for(profile)
    target, root = golden_target(config), _golden_dir(config, profile.id)
    cases = goldens.plan(goldens.list_inputs(), profile, combos)
    frugal = quick(config) or economy(config)

    def has_golden(case) -> bool:
        path, combo = case
        return goldens.GoldenKey(target, profile.id, combo, path.name).json_path(root).is_file()

    with_golden = [c for c in cases if has_golden(c)]
    without = [c for c in cases if not has_golden(c)]
    if frugal:  # one input per mode and model still judges both clauses
        with_golden = _one_per_combo(with_golden, combos)
        without = [] if with_golden else _one_per_combo(without, combos)
    if "golden_case" in metafunc.fixturenames:
        params = [pytest.param(c, id=f"{c[1].slug}-{c[0].stem}") for c in with_golden] or [
            pytest.param(None, id="no-goldens")]
        metafunc.parametrize("golden_case", params)
    else:
        metafunc.parametrize("portable_case", [pytest.param(c, id=f"{c[1].slug}-{c[0].stem}") for c in without])


def _judge(case, upscale, upscale_profile, upscale_evidence_dir, pytestconfig, verdict):
    """Send one input through the recording fixture (so a failure leaves its pictures, a bundle and an
    Allure entry) and judge the answer: the portable verdict by its replayable check, the regression one
    against the golden."""
    path, combo = case
    target = golden_target(pytestconfig)
    root = _golden_dir(pytestconfig, upscale_profile.id)
    result = upscale(goldens.golden_request(path, combo))
    found = goldens.judge_answer(result, path, root, target, upscale_profile.id, combo)
    evidence = {"input": path.name, "combo": combo.slug, "golden": found.regression.golden_path}
    summary = option(pytestconfig, "upscale_summary")
    if summary and found.candidate is not None:  # kept beside the run's report for `goldens review|approve`
        from upscale_conformance.goldens import candidates

        candidates.keep(Path(summary).parent, found, root, goldens.load_thresholds())
    if found.diff_png:
        diff = upscale_evidence_dir / f"{target}-{upscale_profile.id}-{combo.slug}-{path.stem}.png"
        diff.write_bytes(found.diff_png)
        evidence["diff_image"] = str(diff)
    problems = [replace(v, evidence={**v.evidence, **evidence})
                for v in check_portable(goldens.input_picture(path), result)]
    if not problems:
        verdict.kept("PERCEPTUAL-PORTABLE")  # judged even if the regression verdict then fails the test
    return result, found, evidence, problems


@pytest.mark.clause("PERCEPTUAL-PORTABLE", "PERCEPTUAL-REGRESSION")
def test_output_is_an_honest_upscale_close_to_its_golden(upscale, upscale_profile, upscale_evidence_dir,
                                                         pytestconfig, verdict, golden_case):
    if golden_case is None:
        target = golden_target(pytestconfig)
        pytest.skip(f"no goldens for target {target!r}, profile {upscale_profile.id!r}: record them from a trusted "
                    f"run with `upscale-conformance goldens record --target URL --golden-target {target}`")
    result, found, evidence, problems = _judge(golden_case, upscale, upscale_profile, upscale_evidence_dir,
                                               pytestconfig, verdict)
    combo_path = f"{golden_case[1].slug} {golden_case[0].name}"
    status = found.regression.status
    if status == "warn":
        verdict.observe("PERCEPTUAL-REGRESSION", f"warn: {found.regression.message}", **evidence)
    elif status in ("fail", "error", "missing"):
        # No check of checks.py judges against a golden (the golden is not in the bundle): its bundle is not
        # replayable (call null), like Schemathesis's findings; it carries the exchange all the same.
        problems.append(Violation(f"regression_{status}", "PERCEPTUAL-REGRESSION",
                                  f"{combo_path}: {found.regression.message}", dict(evidence),
                                  **answered(result, **{m.name: m.value for m in found.regression.metrics})))
    verdict.check(problems)


@pytest.mark.clause("PERCEPTUAL-PORTABLE")
def test_output_is_an_honest_upscale(upscale, upscale_profile, upscale_evidence_dir, pytestconfig, verdict,
                                     portable_case):
    """Inputs with no golden for this target: the golden-free verdict only."""
    *_, problems = _judge(portable_case, upscale, upscale_profile, upscale_evidence_dir, pytestconfig, verdict)
    verdict.check(problems)
