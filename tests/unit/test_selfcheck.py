"""selfcheck without running it: the catalog holds what issue 12 asks (every kind, its minimum, a quick
subset of every kind), known survivors have reasons, serve refuses a fault without consent, an unknown
entry is refused before anything runs, and scoring means what the docs say."""

from __future__ import annotations

from collections import Counter

from click.testing import CliRunner

from upscale_conformance.cli.serve import planted_faults, serve
from upscale_conformance.selfcheck import catalog, scoring, survivors
from upscale_conformance.selfcheck.execute import Result
from upscale_conformance.server import Faults


def test_every_kind_has_its_minimum_and_the_quick_subset_has_every_kind():
    counts = Counter(e.kind for e in catalog.CATALOG)
    for kind, least in catalog.MINIMUM.items():
        assert counts[kind] >= least, (kind, counts)
    assert {e.kind for e in catalog.quick()} == set(catalog.KINDS)


def test_entries_are_named_once_described_and_planted():
    names = [e.name for e in catalog.CATALOG]
    assert len(names) == len(set(names))
    for e in catalog.CATALOG:
        assert e.kind in catalog.KINDS and e.description.strip() and e.select.strip(), e
        assert e.faults.active and Faults.from_json(e.faults.to_json()) == e.faults, e  # a valid, real fault
        assert bool(e.clauses) == (e.kind in ("contract", "quality")), e


def test_known_survivors_are_catalog_faults_with_reasons():
    by_name = {e.name: e for e in catalog.CATALOG}
    for name, reason in survivors.load().items():
        assert by_name[name].kind in ("contract", "quality") and reason


def test_serve_refuses_a_fault_without_consent_and_names_unknown_ones():
    refused = CliRunner().invoke(serve, ["--fault", "mirrored"])
    assert refused.exit_code == 2 and "--i-know-this-is-broken" in refused.output
    unknown = CliRunner().invoke(serve, ["--fault", "nope", "--i-know-this-is-broken"])
    assert unknown.exit_code == 2 and "mirrored" in unknown.output
    listed = CliRunner().invoke(serve, ["--list-faults"])
    assert listed.exit_code == 0 and "dies-mid-run" in listed.output
    assert "--fault" not in CliRunner().invoke(serve, ["--help"]).output
    assert planted_faults("mirrored,throttle-429", Faults()) == Faults(mirror=True, throttle_every=3)


def test_selfcheck_refuses_an_unknown_entry_before_running_anything(tmp_path):
    from upscale_conformance.cli.selfcheck import selfcheck

    out = CliRunner().invoke(selfcheck, ["--faults", "mirrored,nope", "--report-dir", str(tmp_path)])
    assert out.exit_code == 2 and "nope" in out.output and not any(tmp_path.iterdir())


def _judged(kind: str, code: int | None, failed=(), name="x", known=None) -> scoring.Judged:
    entry = catalog.Entry(name, kind, "d", Faults(mirror=True), "faithful", frozenset({"FIDELITY-GEOMETRY"}))
    return scoring.judge(entry, Result(name, code, list(failed)), known or {})


def test_scoring_holds_each_kind_to_what_it_must_do():
    assert _judged("contract", 1, ["FIDELITY-GEOMETRY"]).ok
    assert not _judged("contract", 1, ["DIM-4X"]).matched
    assert not _judged("contract", 0).ok and _judged("contract", 0).outcome == "survived"
    assert _judged("contract", 0, known={"x": "no check"}).ok
    assert _judged("tolerated", 0).ok and not _judged("tolerated", 1).ok
    assert _judged("transport", 3).ok and not _judged("transport", 1).ok
    assert scoring.exit_code([_judged("transport", 0), _judged("quality", 0)]) == 1


def test_a_double_fault_is_killed_only_when_every_clause_it_breaks_fails():
    double = catalog.Entry("two", "contract", "d", Faults(mirror=True, size_offset=1), "faithful",
                           frozenset({"DIM-4X", "FIDELITY-GEOMETRY"}), each=True)
    killed = scoring.judge(double, Result("two", 1, ["DIM-4X", "FIDELITY-GEOMETRY", "ALPHA-KEPT"]), {})
    assert killed.ok and killed.outcome == "killed"
    hidden = scoring.judge(double, Result("two", 1, ["DIM-4X"]), {})  # the mirror hidden behind the size
    assert not hidden.ok and hidden.outcome == "survived"
    doubles = [e for e in catalog.CATALOG if e.each]
    assert len(doubles) >= 2 and all(len(e.clauses) >= 2 for e in doubles)
    assert any(e.quick for e in doubles)
