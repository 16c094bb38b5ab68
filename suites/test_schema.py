"""SCHEMA-CONFORMS, DIM-4X: Schemathesis over ``contracts/upscale.openapi.yaml``.

Two runs (configured in :mod:`upscale_conformance.schema_checks`):

- ``test_generated_requests_get_conforming_answers``: positive data, real images for ``imageFile``
  within the profile's limits, Schemathesis's response checks plus the exact 4x check. Always on.
- ``test_probes_are_refused_as_documented``: negative data and undeclared HTTP methods. Probes
  are refused requests, which cost nothing on the vendor, so they run everywhere; in economy (a
  paid target) only a few of each kind are sent (``schema_checks.ECONOMY_PROBES``), enough to
  reach SCHEMA-CONFORMS and HTTP-HYGIENE. ``UPSCALE_SCHEMA_PROBES=0`` turns them off.

Every request goes through the run's budget; a spent budget, a dead target or a rate limit make
the test inconclusive rather than failed.
"""

from __future__ import annotations

import time

import hypothesis
import pytest
import requests
import schemathesis
from schemathesis.core.failures import FailureGroup

from upscale_conformance import schema_checks
from upscale_conformance.client import RetryPolicy
from upscale_conformance.errors import AnswerTimedOut, AnswerTooLarge, BudgetExhausted
from upscale_conformance.plugin import is_local, say
from upscale_conformance.verdicts import INCONCLUSIVE_PREFIX

RETRIES = 2  # on 429/503, honouring Retry-After; each retry is spent from the budget too


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
def schema_session(upscale_client):
    session = schema_checks.BudgetedSession(upscale_client.budget, upscale_client.bounds, upscale_client.timeout, say)
    yield session
    session.close()


@pytest.fixture
def send_and_check(request, upscale, upscale_client, schema_session, verdict, upscale_target_state, upscale_economy):
    """Send a case through the budget and turn Schemathesis's findings into violations.

    Requests go through Schemathesis's own transport (the case as generated), not ``upscale``;
    that fixture is requested for the per-test call accounting it sets up.
    """
    _target_state = upscale_target_state
    key = upscale_client.api_key
    headers = {"x-api-key": key.reveal()} if key else {}
    transport = {"session": schema_session, "timeout": upscale_client.timeout}

    def inconclusive(why: str):
        pytest.skip(INCONCLUSIVE_PREFIX + why)

    def run(case, checks, probe: bool = False) -> None:
        if _target_state["dead"]:
            inconclusive(_target_state["dead"])
        if probe and upscale_economy:
            # Every probe decides the same two clauses: a few of each kind reach them, the rest add nothing.
            kind = "method" if case.method.upper() != schema_checks.DECLARED_METHOD else "body"
            if schema_session.probes[kind] >= schema_checks.ECONOMY_PROBES[kind]:
                return
            schema_session.probes[kind] += 1
        for attempt in range(RETRIES + 1):
            try:
                response = case.call(headers=headers, **transport)
            except BudgetExhausted as exc:
                inconclusive(str(exc))
            except (AnswerTimedOut, AnswerTooLarge) as exc:  # named by the session; ends the run's calls
                _target_state["dead"] = str(exc)
                inconclusive(_target_state["dead"])
            except requests.RequestException as exc:
                if isinstance(exc, requests.ConnectionError) and attempt < RETRIES:
                    # A keep-alive connection the server closed as it was reused: transient, try again
                    # (the retry is spent from the budget like any attempt). A read timeout is not
                    # repeated: the request was sent and may have been billed.
                    time.sleep(RetryPolicy().delay(attempt, None))
                    continue
                _target_state["dead"] = (f"{upscale_client.base_url} did not answer {schema_checks.describe_case(case)}"
                                         f" within {upscale_client.timeout:g} s: {type(exc).__name__}"
                                         if isinstance(exc, requests.Timeout) else
                                         f"{upscale_client.base_url} did not answer: {type(exc).__name__}")
                inconclusive(_target_state["dead"])
            verdict.sent(response.elapsed)
            if response.status_code in (429, 503) and attempt < RETRIES:
                retry_after = (response.headers.get("retry-after") or [None])[0]
                time.sleep(RetryPolicy().delay(attempt, retry_after))
                continue
            break
        if response.status_code == 429:
            inconclusive(f"rate limited (429) after {RETRIES + 1} attempts")
        if response.status_code == 402:
            inconclusive("credits exhausted (402)")
        failures = []
        try:
            case.validate_response(response, checks=checks, headers=headers, transport_kwargs=transport)
        except FailureGroup as group:
            failures = list(group.exceptions)
        except BudgetExhausted as exc:  # a check that re-sends the request found the budget spent
            inconclusive(str(exc))
        except (AnswerTimedOut, AnswerTooLarge) as exc:
            _target_state["dead"] = str(exc)
            inconclusive(_target_state["dead"])
        described = schema_checks.describe_case(case)
        must, hygiene = schema_checks.split_failures(failures, case.method)
        if case.method.upper() != schema_checks.DECLARED_METHOD:
            verdict.observe("HTTP-HYGIENE", f"{case.method.upper()} {case.formatted_path} answered "
                                            f"{response.status_code}", request=described)
        for note in hygiene:
            verdict.observe("HTTP-HYGIENE", note, request=described)
        # Raised outside the `except`: Schemathesis's own message carries a curl line with the key.
        verdict.check(schema_checks.violations_from(must, described))

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
