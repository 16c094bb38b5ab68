"""selfcheck on served faults: the envelope and throttling fault hooks do what their names say, and
`selfcheck --quick` passes and writes its matrix."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.support import cli
from upscale_conformance.records import files
from upscale_conformance.selfcheck import catalog
from upscale_conformance.server import Faults


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


@pytest.mark.slow
def test_selfcheck_quick_passes_and_writes_its_matrix(tmp_path):
    out = cli.cli("selfcheck", "--quick", "--report-dir", str(tmp_path))
    assert out.code == 0, out.output
    data = json.loads((tmp_path / "latest" / "selfcheck.json").read_text())
    assert files.problems("selfcheck.json", data) == [] and data["exit_code"] == 0 and data["verdict"] == "ok"
    assert {r["kind"] for r in data["entries"]} == {"clean", *catalog.KINDS}
    assert all(r["ok"] for r in data["entries"]) and (tmp_path / "latest" / "selfcheck.md").is_file()
    assert "exit 0: the suite caught every fault" in (tmp_path / "latest" / "index.html").read_text()
    assert "kill matrix" in out.output and "contract faults killed" in out.output
