"""The schema suite (``suites/test_schema.py``) end to end: it runs in a subprocess, as
``upscale-conformance run`` runs it, against a reference server started here. A correct server passes,
and a server with one planted fault fails the clause that fault breaks. Faults the reference server has
no switch for are planted with a small ASGI middleware around it (test-only).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from upscale_conformance.plugin import schema as sc
from upscale_conformance.server import Faults, create_app, run_app_in_thread, serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "suites" / "test_schema.py"
KEY = "schema-suite-test-key"
PROFILES = ("pixel-budget-2026", "per-axis-2025")
# No assertion rewriting (the suite raises its own messages) and no plugins the suite does not use:
# with PYTHONDONTWRITEBYTECODE set, rewriting alone recompiles every plugin module on each run (3-4 s).
FAST = ("--assert=plain", "-p", "no:cacheprovider", "-p", "no:allure_pytest", "-p", "no:xdist", "-p", "no:anyio")


# --- running the suite -----------------------------------------------------------------------------


def run_suite(url: str, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict, str]:
    """Run the schema suite against ``url``; returns pytest's exit code, the summary and the output."""
    summary = tmp_path / "summary.json"
    cmd = [sys.executable, "-m", "pytest", str(SUITE), "-q", "-rs", "--tb=line", *FAST,
           "--upscale-target", url, "--upscale-summary", str(summary), *args]
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", sc.PROBES_ENV, "PYTEST_ADDOPTS")}
    environ.update({"PHOTOROOM_API_KEY": KEY, **(env or {})})
    proc = subprocess.run(cmd, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=150)
    output = proc.stdout + proc.stderr
    assert summary.is_file(), f"no summary written (exit {proc.returncode}):\n{output[-3000:]}"
    return proc.returncode, json.loads(summary.read_text()), output


def verdict(summary: dict, clause: str) -> str:
    return summary["clauses"][clause]["verdict"]


def codes(summary: dict, clause: str) -> set[str]:
    return {e["code"] for e in summary["clauses"][clause]["evidence"]}


class PlantedFault:
    """ASGI middleware that breaks one promise of the OpenAPI document in the server's answers,
    and counts the requests that reach the server (all but /health)."""

    def __init__(self, app, kinds: tuple[str, ...] = (), counter: list | None = None):
        self.app, self.kinds, self.counter = app, kinds, counter if counter is not None else []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] == "/health":
            return await self.app(scope, receive, send)
        self.counter.append(scope["method"])
        start: dict = {}
        chunks: list[bytes] = []

        async def buffered(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return None
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return None
            status, headers, body = self.damage(scope["method"], start["status"],
                                                dict(start.get("headers", [])), b"".join(chunks))
            headers[b"content-length"] = str(len(body)).encode()
            await send({"type": "http.response.start", "status": status, "headers": list(headers.items())})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered)

    def damage(self, method: str, status: int, headers: dict, body: bytes):
        if "octet_stream_200" in self.kinds and status == 200:
            headers[b"content-type"] = b"application/octet-stream"
        if "detail_error_body" in self.kinds and 400 <= status < 500:
            body = b'{"detail": "refused"}'
        if "client_error_as_500" in self.kinds and status == 400:
            status = 500
        if "method_not_found" in self.kinds and status == 405:
            status, body = 404, b'{"error": {"message": "not found"}}'
            headers.pop(b"allow", None)
            headers[b"content-type"] = b"application/json"
        if "method_not_implemented" in self.kinds and status == 405:
            status, body = 501, b"Not Implemented"
            headers.pop(b"allow", None)
            headers[b"content-type"] = b"text/plain"
        return status, headers, body


def faulty_server(*kinds: str, host: str = "127.0.0.1", profile: str = PROFILES[0], counter=None):
    app = create_app(profile, KEY)
    app.add_middleware(PlantedFault, kinds=kinds, counter=counter)
    return run_app_in_thread(app, host)


@pytest.mark.parametrize(("profile", "quick"), [(PROFILES[0], ()), (PROFILES[1], ("--upscale-quick", "1"))],
                         ids=[f"{PROFILES[0]}-default", f"{PROFILES[1]}-quick"])
def test_a_correct_server_passes_positive_and_probe_runs(tmp_path, profile, quick):
    with serve_in_thread(profile, KEY) as url:
        code, summary, out = run_suite(url, tmp_path, "--upscale-profile", profile, *quick)
    assert code == 0, out[-3000:]
    assert verdict(summary, "SCHEMA-CONFORMS") == "PASS" and verdict(summary, "DIM-4X") == "PASS", out[-3000:]
    assert "2 passed" in out  # the probes ran too (a local target), not skipped
    assert summary["clauses"]["SCHEMA-CONFORMS"]["cases"] >= 12


def test_a_wrong_scale_fails_dim_4x_only(tmp_path):
    with serve_in_thread(PROFILES[0], KEY, Faults(scale=3)) as url:
        code, summary, out = run_suite(url, tmp_path, "--upscale-quick", "1")
    assert code == 1, out[-3000:]
    assert verdict(summary, "DIM-4X") == "FAIL" and codes(summary, "DIM-4X") == {"size_not_4x"}
    assert verdict(summary, "SCHEMA-CONFORMS") == "PASS"  # every other promise of the document is kept


# Each run plants faults that the two tests meet separately (the positive run sees 200s, the probe
# run 4xx answers and undeclared methods), so every planted fault shows in the evidence.
@pytest.mark.parametrize(("kinds", "checks"), [
    (("octet_stream_200", "detail_error_body"), {"content_type_conformance", "response_schema_conformance"}),
    (("client_error_as_500",), {"not_a_server_error"}),
], ids=["octet-stream-200-and-detail-error-body", "client-error-as-500"])
def test_a_broken_promise_of_the_document_fails_schema_conforms(tmp_path, kinds, checks):
    with faulty_server(*kinds) as url:
        code, summary, out = run_suite(url, tmp_path, "--upscale-quick", "1")
    assert code == 1, out[-3000:]
    assert verdict(summary, "SCHEMA-CONFORMS") == "FAIL" and verdict(summary, "DIM-4X") != "FAIL"
    # The summary keeps the first few pieces of evidence per clause; the run's output names them all.
    found = set(re.findall(r"\[SCHEMA-CONFORMS\] schemathesis_(\w+)", out))
    assert checks <= found, out[-3000:]
    assert KEY not in out  # Schemathesis's failure messages carry a curl line with the key: never shown


@pytest.mark.parametrize(("kind", "status"), [("method_not_found", 404), ("method_not_implemented", 501)])
def test_undeclared_methods_answered_404_or_501_are_recorded_not_failed(tmp_path, kind, status):
    # The contract says nothing of undeclared methods (RFC 9110 allows 501; gateways answer 404), and
    # the vendor's own document declares GET /v2/edit: what comes back is HTTP-HYGIENE, an observation.
    with faulty_server(kind) as url:
        code, summary, out = run_suite(url, tmp_path, "--upscale-quick", "1")
    assert code == 0, out[-3000:]
    assert verdict(summary, "SCHEMA-CONFORMS") == "PASS", out[-3000:]
    assert verdict(summary, "HTTP-HYGIENE") == "OBSERVED"
    seen = " ".join(o["summary"] for o in summary["clauses"]["HTTP-HYGIENE"]["observations"])
    assert f"answered {status}" in seen and "unsupported_method" in seen, seen


def test_the_budget_caps_every_request_to_a_non_local_target(tmp_path):
    # 127.0.0.2 is this machine, but not a name `is_local` knows: the suite treats it as a vendor's.
    counter: list[str] = []
    with faulty_server(host="127.0.0.2", counter=counter) as url:
        code, summary, out = run_suite(url, tmp_path, "--upscale-budget", "1")
    assert counter == ["POST"]  # one generated request, then the budget was spent
    assert summary["exit_code"] == 3 and verdict(summary, "SCHEMA-CONFORMS") == "INCONCLUSIVE"


def test_probes_on_a_paid_target_are_few_and_still_reach_both_clauses(tmp_path):
    # Refused requests cost nothing on the vendor, so probes run there too, capped per kind.
    counter: list[str] = []
    with faulty_server(host="127.0.0.2", counter=counter) as url:
        code, summary, out = run_suite(url, tmp_path)
    assert code == 0, out[-3000:]
    methods = [m for m in counter if m != "POST"]
    assert 0 < len(methods) <= sc.ECONOMY_PROBES["method"], counter
    assert verdict(summary, "SCHEMA-CONFORMS") == "PASS" and verdict(summary, "HTTP-HYGIENE") == "OBSERVED"
    assert len(counter) <= sc.MAX_POSITIVE_EXAMPLES + sum(sc.ECONOMY_PROBES.values())
