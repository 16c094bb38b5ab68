"""ROB-*: the hostile-input battery. Malformed and hostile requests get a 4xx (or, for an input
that may be valid after all, a 200 exactly 4x), never a 5xx, never silence, and the target still
upscales a normal request right after each one.

The battery itself (what is sent, and what each may get) is ``upscale_conformance.robustness``;
docs/robustness.md lists it. On a paid target (economy) the group is off unless
``--upscale-allow-negative 1``: refused requests cost nothing on the vendor, but hostile traffic is
not something to send from a production key unasked.
"""

from __future__ import annotations

import pytest

from upscale_conformance.client import UpscaleRequest
from upscale_conformance.plugin.fixtures import inconclusive
from upscale_conformance.plugin.options import allow_negative, quick
from upscale_conformance.robustness import (
    BATTERY,
    EITHER,
    HANG_SECONDS,
    NORMAL_SIZE,
    QUICK,
    REFUSE,
    check_hostile_answer,
    check_unanswered,
    judge_liveness,
)
from upscale_conformance.robustness.inputs import png

# What the hostile answer is judged on (robustness.check_hostile_answer), ROB-ANSWERED first: without an
# answer, the others are BLOCKED by it.
ANSWER_CLAUSES = ("ROB-ANSWERED", "ROB-NO-5XX", "ROB-REFUSED", "ERR-BODY")
# The normal request's answer before the battery, once per process: ROB-ALIVE blames a hostile input only
# for a change from it (robustness.judge_liveness).
BEFORE = pytest.StashKey[object]()
KIND = {"test_a_request_no_reading_makes_valid_is_refused": REFUSE,
        "test_an_input_that_may_be_valid_is_upscaled_or_refused": EITHER}


def pytest_generate_tests(metafunc):
    """The battery entries of each test's kind; ``--upscale-quick`` sends one entry of each kind of
    hostility (``robustness.QUICK``) instead of all."""
    if "hostile" not in metafunc.fixturenames:
        return
    smoke = quick(metafunc.config)
    chosen = [h for h in BATTERY if h.expect == KIND[metafunc.function.__name__] and (not smoke or h.name in QUICK)]
    metafunc.parametrize("hostile", chosen, ids=[h.name for h in chosen])


@pytest.fixture
def battery_on(pytestconfig, upscale_economy):
    if upscale_economy and not allow_negative(pytestconfig):
        pytest.skip("economy: off on a paid target; run --allow-negative to send it (errors are free)")


@pytest.fixture
def exchange(upscale_hostile, upscale_calls, upscale_economy, upscale_profile, verdict, pytestconfig):
    """Send one hostile request and a normal one right after, and judge both (the first one a process
    sends is preceded by the normal request, the answer ROB-ALIVE compares with).

    A hostile request without an answer is the finding itself when the target is healthy around it
    (``upscale_hostile``); a target that is down ends the test inconclusive. The hostile answer's findings
    are recorded before the normal request goes out, so their pictures and bundle are of the hostile
    exchange; the test fails on them after the normal request is judged.
    """

    free = not upscale_economy
    # On a free target the normal request is a real upscale; on a paid one a free refused request
    # (no imageFile) shows the target still answers without a bill.
    normal = (UpscaleRequest(image=png(*NORMAL_SIZE), timeout=HANG_SECONDS) if free
              else UpscaleRequest(image=None, omit=("imageFile",), timeout=HANG_SECONDS))

    def run(hostile) -> None:
        if BEFORE not in pytestconfig.stash:  # before the first hostile input this process sends
            pytestconfig.stash[BEFORE] = upscale_hostile(normal)[0]
        request = hostile.request(upscale_profile)
        result, why = upscale_hostile(request)
        if result is not None:  # an answer: every clause of the hostile answer is judged on it
            found = check_hostile_answer(result, hostile.name, hostile.sizes(upscale_profile))
            verdict.judge(ANSWER_CLAUSES, found)
            if hostile.expect == EITHER:
                shown = f" {result.size[0]}x{result.size[1]}" if result.status == 200 and result.size else ""
                verdict.observe("ROB-VALID-AFTER-ALL", f"{hostile.name}: {result.status}{shown}",
                                request=result.request)
        after, after_why = upscale_hostile(normal)
        if result is None and after is not None:  # the target is up: the missing answer is the finding
            upscale_calls.exchange = (request, None)  # bundled (answer.json: none), nothing to picture
            verdict.hold(check_unanswered(hostile, why, hostile.sizes(upscale_profile)))
            for clause in ANSWER_CLAUSES[1:]:
                verdict.block(clause, "ROB-ANSWERED", f"{hostile.name} got no answer to judge")
        if after is None:  # no answer though the target is up: a crash cannot be told from a network failure
            verdict.check()  # what the hostile request did get still counts
            inconclusive(f"the target did not answer a normal request right after {hostile.name}: {after_why}")
        verdict.judge(("ROB-ALIVE",), judge_liveness(hostile, after, free, pytestconfig.stash[BEFORE]))
        verdict.check()  # once, for every clause judged on both answers

    return run


@pytest.mark.usefixtures("battery_on")
@pytest.mark.clause("ROB-NO-5XX", "ROB-REFUSED", "ROB-ANSWERED", "ROB-ALIVE", "ERR-BODY")
def test_a_request_no_reading_makes_valid_is_refused(exchange, hostile):
    exchange(hostile)


@pytest.mark.usefixtures("battery_on")
@pytest.mark.clause("ROB-NO-5XX", "ROB-VALID-AFTER-ALL", "ROB-ANSWERED", "ROB-ALIVE", "ERR-BODY")
def test_an_input_that_may_be_valid_is_upscaled_or_refused(exchange, hostile):
    exchange(hostile)
