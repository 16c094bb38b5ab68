"""The fixtures the suites use: the profile, the target, the run's client, the test's recorder, and
``upscale`` / ``upscale_guarded``, which turn everything that is not an answer into INCONCLUSIVE."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ..contract import load_profile
from ..errors import ConformanceError, NoAnswer
from ..verdicts import INCONCLUSIVE_PREFIX, Recorder, in_hypothesis_example
from .evidence import allure_parameters, describe_request, keep_bundle, keep_pictures
from .options import (
    LOCAL_KEY,
    answer_timeout,
    api_key,
    budget,
    deadline,
    deadline_at,
    economy,
    option,
    patience,
    target,
)
from .profiles import shrink_stop
from .state import TEST, TestState, scrub, secrets


def inconclusive(why: str):
    """End the test as INCONCLUSIVE (a skip that Hypothesis does not shrink)."""
    pytest.skip(INCONCLUSIVE_PREFIX + why)


@pytest.fixture(scope="session")
def upscale_economy(pytestconfig) -> bool:
    """True when the run spends as on a paid target (tests then skip what another test's answer shows)."""
    return economy(pytestconfig)


@pytest.fixture(scope="session")
def upscale_profile(pytestconfig):
    """The active contract profile."""
    try:
        return load_profile(option(pytestconfig, "upscale_profile") or None)
    except ConformanceError as exc:
        raise pytest.UsageError(str(exc)) from None


def make_say(config):
    """A progress line for the user while a call waits (from the client's watch thread).

    Written to file descriptor 2 itself: ``upscale-conformance run`` captures only ``sys`` streams, so
    the line reaches the terminal mid-test; under pytest's default fd capture it lands in the test's
    captured stderr instead."""

    def say(line: str) -> None:
        try:
            os.write(2, f"\n  {scrub(config, line)}\n".encode())
        except OSError:
            pass

    return say


@pytest.fixture(scope="session")
def upscale_session(pytestconfig, upscale_profile):
    """The run's one session (session.open_session): for ``local`` the reference server, started in a thread
    with a key of its own so that the invalid-key clause is checked for real, and the run's one client."""
    from ..session import open_session

    worker = getattr(pytestconfig, "workerinput", None)
    # Each xdist worker gets its share of the budget, so the run as a whole stays within it.
    share = (int(worker["workercount"]), int(worker["workerid"].removeprefix("gw"))) if worker else None
    with open_session(target(pytestconfig), upscale_profile, api_key(pytestconfig), budget(pytestconfig),
                      answer_timeout(pytestconfig), patience(pytestconfig), local_key=LOCAL_KEY, share=share,
                      say=make_say(pytestconfig), cache=option(pytestconfig, "upscale_cache") or None,
                      key_flag="--upscale-api-key") as session:
        secrets(pytestconfig).append(session.key)
        health = session.client.health
        health.deadline, health.deadline_seconds = deadline_at(pytestconfig), deadline(pytestconfig)
        yield session


@pytest.fixture(scope="session")
def upscale_target(upscale_session) -> str:
    """The base URL under test (the reference server's for ``local``)."""
    return upscale_session.url


@pytest.fixture(scope="session")
def upscale_client(upscale_session):
    """The run's one client: every request of every suite goes through it (budget, retries, bounds, health)."""
    return upscale_session.client


@pytest.fixture(scope="session")
def upscale_evidence_dir(pytestconfig, tmp_path_factory):
    """Where checks write evidence files (diff images): beside the summary, else a temporary folder."""
    summary = option(pytestconfig, "upscale_summary")
    folder = Path(summary).parent / "evidence" if summary else tmp_path_factory.mktemp("evidence")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def upscale_bundle_dir(pytestconfig, tmp_path_factory):
    """Where failing checks leave their bundles (replay/bundle.py): ``bundles/`` beside the summary, else a
    temporary folder."""
    summary = option(pytestconfig, "upscale_summary")
    return Path(summary).parent / "bundles" if summary else tmp_path_factory.mktemp("bundles")


@pytest.fixture
def verdict(request, upscale_evidence_dir, upscale_bundle_dir):
    """The test's recorder (soft checks): ``verdict.judge(clauses, violations...)`` for every check of an answer,
    ``verdict.block(clause, by, why)``, then ``verdict.check()`` once; ``verdict.observe(clause, ...)``."""
    recorder = Recorder()
    state = request.node.stash[TEST] = TestState(recorder)

    def keep(v):
        keep_pictures(v, request.node, upscale_evidence_dir)
        keep_bundle(v, request.node, upscale_bundle_dir)

    recorder.keep_evidence = keep
    recorder.describe_input = lambda: describe_request(state.exchange[0]) if state.exchange else ""
    return recorder


def shrink_gate(recorder: Recorder, budget, economy_on: bool, key: str) -> None:
    """Before a call made while Hypothesis works on a failure it found (shrinking, explaining): reject the
    example, unsent, once the budget or economy's cap says stop. The final replay is always sent, and so is an
    input sent before (Hypothesis replays some: rejecting one that failed would be an inconsistent replay)."""
    seen = key in recorder.sent_inputs
    recorder.sent_inputs.add(key)
    if recorder.first_failing_input is None:
        return
    inside, final = in_hypothesis_example()
    if not inside or final:
        return
    why = "" if seen else shrink_stop(recorder.calls_after_failure, budget.remaining, economy_on)
    if why:
        from hypothesis import reject

        recorder.sent_inputs.discard(key)
        recorder.stopped_early = f"shrinking stopped after {recorder.calls_after_failure} calls: {why}"
        reject()
    recorder.calls_after_failure += 1


def request_key(req) -> str:
    """What identifies a request's input for ``shrink_gate``: the image's digest and every other field."""
    import dataclasses
    import hashlib

    digest = hashlib.sha256(req.image or b"").hexdigest()
    return digest + repr(dataclasses.replace(req, image=None))


@pytest.fixture
def upscale_guarded(upscale_client):
    """Call ``fn(*args)`` against the target; whatever is not an answer to judge (the target down, no
    answer, an answer past any the contract allows, a spent budget or credits, a rate limit) makes the
    test inconclusive (a skip Hypothesis does not shrink), never failed."""

    def guarded(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except NoAnswer as exc:
            inconclusive(str(exc))

    return guarded


@pytest.fixture
def upscale_calls(upscale_client, verdict, request):
    """The test's call accounting (calls, billable, outages seen), for the report; every sender requests it."""
    state = request.node.stash[TEST]
    state.budget, state.base_url = upscale_client.budget, upscale_client.base_url
    state.calls_before, state.billable_before = upscale_client.budget.spent, upscale_client.budget.billable
    state.health, state.model_versions = upscale_client.health, upscale_client.model_versions
    state.outages_before = len(upscale_client.health.outages)
    state.drops_before = len(upscale_client.health.drops)
    return state


def record(state: TestState, recorder: Recorder, req, result) -> None:
    """The one recording path of every send: the call counted for the test, the exchange kept as the test's
    last (pictured, bundled and attached to Allure if a check then fails on it), its parameters in Allure."""
    recorder.sent(result.elapsed)
    state.exchange = (req, result)
    allure_parameters(req)


@pytest.fixture
def upscale(upscale_client, upscale_guarded, upscale_calls, verdict, upscale_economy):
    """Send an UpscaleRequest through the run's client and budget; see ``upscale_guarded``."""

    def send(req):
        shrink_gate(verdict, upscale_client.budget, upscale_economy, request_key(req))
        result = upscale_guarded(upscale_client.send, req)
        record(upscale_calls, verdict, req, result)
        return result

    return send


@pytest.fixture
def upscale_hostile(upscale_client, upscale_guarded, upscale_calls, verdict):
    """``upscale`` for a hostile request, which may get no answer at all: ``send(req)`` gives ``(result,
    "")``, or ``(None, why)`` when the request got no answer while the target is up (the client has then
    already had a known-good request answered: client.health), the finding itself. A target that is down
    ends the test inconclusive, as everywhere. An answer is recorded as ``upscale`` records it."""
    from ..errors import AnswerTimedOut, TargetUnreachable

    def send(req):
        def once():
            try:
                return upscale_client.send(req), ""
            except (TargetUnreachable, AnswerTimedOut) as exc:
                return None, str(exc)

        result, why = upscale_guarded(once)
        if result is not None:
            record(upscale_calls, verdict, req, result)
        return result, why

    return send


@pytest.fixture
def upscale_case(upscale_client, upscale_guarded, upscale_calls, verdict):
    """``upscale`` for a Schemathesis case (plugin/schema: Schemathesis serializes it, the run's client
    sends it): ``send(case)`` gives the answer and Schemathesis's own Response for its checks; the exchange
    is recorded as ``upscale`` records it, the case as the request it went out as."""
    from .schema import send_case

    def send(case):
        result, response, sent = upscale_guarded(send_case, case, upscale_client)
        record(upscale_calls, verdict, sent, result)
        return result, response

    return send
