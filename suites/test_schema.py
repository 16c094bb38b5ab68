"""SCHEMA-CONFORMS, DIM-4X: Schemathesis over ``contracts/upscale.openapi.yaml``.

Two runs (configured in :mod:`upscale_conformance.plugin.schema`):

- ``test_generated_requests_get_conforming_answers``: positive data, real images for ``imageFile``
  within the profile's limits, Schemathesis's response checks plus the exact 4x check. Always on.
- ``test_probes_are_refused_as_documented``: negative data and undeclared HTTP methods. Probes
  are refused requests, which cost nothing on the vendor, so they run everywhere; in economy (a
  paid target) only a few of each kind are sent (``schema_checks.ECONOMY_PROBES``), enough to
  reach SCHEMA-CONFORMS and HTTP-HYGIENE. ``UPSCALE_SCHEMA_PROBES=0`` turns them off.

Schemathesis generates the cases and runs its checks; the run's client sends them
(``schema_checks.send_case``, through the plugin's ``upscale_case``), so budget, retries, bounds, the
target's health, what is inconclusive and what a failure leaves are the same as in every other suite.
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from schemathesis.core.failures import FailureGroup

from upscale_conformance.client import is_local
from upscale_conformance.plugin import schema as schema_checks


def _profile_examples() -> int:
    return hypothesis.settings.default.max_examples


def _pytest9_nodeid(request) -> None:
    # Schemathesis 4.32.5's lazy schemas read and rewrite `item._nodeid`, which pytest 9 no longer has.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture
def positive_api(request, upscale_target, upscale_profile):
    _pytest9_nodeid(request)
    plan = schema_checks.positive_plan(_profile_examples())
    return schema_checks.load_schema(plan, upscale_target, upscale_profile)


@pytest.fixture
def probe_api(request, upscale_target, upscale_profile, upscale_economy):
    _pytest9_nodeid(request)
    # Probes are refused requests, which cost nothing on the vendor: on wherever a verdict needs them.
    if not schema_checks.probes_enabled(is_local(upscale_target) or upscale_economy):
        pytest.skip(f"negative and method probes are off ({schema_checks.PROBES_ENV}=0)")
    plan = schema_checks.probe_plan(_profile_examples())
    return schema_checks.load_schema(plan, upscale_target, upscale_profile)


@pytest.fixture(scope="session")
def probes_sent():
    """Probes sent so far in this process, by kind (capped in economy)."""
    return {"method": 0, "body": 0}


@pytest.fixture
def send_and_check(upscale_case, verdict, upscale_economy, probes_sent):
    """Send a case through the run's client (the plugin's ``upscale_case``: recorded like every send, so a
    failure leaves its pictures, bundle and Allure entry) and turn Schemathesis's findings into violations.
    Whatever is not an answer to judge makes the test inconclusive, as in every other suite: one client,
    one rule."""
    no_sending = {"session": schema_checks.NoSending()}

    def run(case, checks, probe: bool = False) -> None:
        if probe and upscale_economy:
            # Every probe decides the same two clauses: a few of each kind reach them, the rest add nothing.
            kind = "method" if case.method.upper() != schema_checks.DECLARED_METHOD else "body"
            if probes_sent[kind] >= schema_checks.ECONOMY_PROBES[kind]:
                return
            probes_sent[kind] += 1
        _, response = upscale_case(case)
        failures = []
        try:
            case.validate_response(response, checks=checks, transport_kwargs=no_sending)
        except FailureGroup as group:
            failures = list(group.exceptions)
        described = schema_checks.describe_case(case)
        must, hygiene = schema_checks.split_failures(failures, case.method)
        if case.method.upper() != schema_checks.DECLARED_METHOD:
            verdict.observe("HTTP-HYGIENE", f"{case.method.upper()} {case.formatted_path} answered "
                                            f"{response.status_code}", request=described)
        for note in hygiene:
            verdict.observe("HTTP-HYGIENE", note, request=described)
        # Raised outside the `except`: Schemathesis's own message carries a curl line with the key.
        verdict.check(schema_checks.violations_from(must, described, schema_checks.case_asked(case)))

    return run


POSITIVE = schemathesis.pytest.from_fixture("positive_api")
PROBES = schemathesis.pytest.from_fixture("probe_api")


@pytest.mark.clause("SCHEMA-CONFORMS", "DIM-4X")
@POSITIVE.parametrize()
def test_generated_requests_get_conforming_answers(case, send_and_check, upscale_profile):
    schema_checks.prepare_positive(case, upscale_profile)
    send_and_check(case, schema_checks.check_functions(schema_checks.POSITIVE_CHECKS))


@pytest.mark.clause("SCHEMA-CONFORMS", "DIM-4X", "HTTP-HYGIENE")
@PROBES.parametrize()
def test_probes_are_refused_as_documented(case, send_and_check):
    schema_checks.prepare_probe(case)
    send_and_check(case, schema_checks.check_functions(schema_checks.PROBE_CHECKS), probe=True)
