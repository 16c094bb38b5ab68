"""selfcheck: the catalog holds what issue 12 asks, serve refuses a fault without consent, the new
fault hooks do what their names say, scoring means what the docs say, and `selfcheck --quick` passes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import httpx
from click.testing import CliRunner

from upscale_conformance.cli.serve import _planted, serve
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
    assert _planted("mirrored,throttle-429", Faults()) == Faults(mirror=True, throttle_every=3)


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


def test_envelope_faults_change_only_the_envelope(local_server, edit):
    url = local_server(faults=Faults(error_extra_fields=True, json_charset=True, extra_headers=True,
                                     undeclared_method_status=501))
    r = edit(url, b"not an image")
    assert r.status_code == 400 and r.headers["content-type"] == "application/json; charset=utf-8"
    assert r.json()["error"]["message"] and r.json()["error"]["code"] and "x-request-id" in r.headers
    assert httpx.get(f"{url}/v2/edit").status_code == 501
    flat = edit(local_server(faults=Faults(flat_error_body=True)), b"not an image")
    assert "error" not in flat.json() and flat.json()["message"]


def test_a_throttling_server_answers_429_with_retry_after_on_every_nth_post(local_server, edit, make_picture,
                                                                             encode_image):
    url = local_server(faults=Faults(throttle_every=2), fresh=True)
    image = encode_image(make_picture(16, 12), "PNG")
    statuses = [edit(url, image) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 429, 200, 429]
    assert statuses[1].headers["retry-after"] == "1"


def test_selfcheck_quick_passes_and_writes_its_matrix(tmp_path):
    env = dict(os.environ, COLUMNS="200")
    env.pop("PHOTOROOM_API_KEY", None)
    out = subprocess.run([sys.executable, "-m", "upscale_conformance", "selfcheck", "--quick", "--report-dir",
                          str(tmp_path)], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    data = json.loads((tmp_path / "latest" / "selfcheck.json").read_text())
    assert {r["kind"] for r in data["entries"]} == {"clean", *catalog.KINDS}
    assert all(r["ok"] for r in data["entries"]) and (tmp_path / "latest" / "selfcheck.md").is_file()
    assert "exit 0: the suite caught every fault" in (tmp_path / "latest" / "index.html").read_text()
    assert "kill matrix" in out.stdout and "contract faults killed" in out.stdout
