"""The target's health (client.health): an outage is inconclusive, fast and cheap; a 5xx fails a
clause only when the target is healthy around it.

The real client against httpx.MockTransport: the transport plays the target (and tells the
known-good request, a 32x24 PNG, from the request under test by its size); sleeping is simulated.
"""

from __future__ import annotations

import httpx
import pytest

from upscale_conformance.client import Budget, RetryPolicy, UpscaleClient
from upscale_conformance.client.health import TargetHealth, known_good
from upscale_conformance.client.secret import Secret
from upscale_conformance.errors import AnswerTimedOut, TargetDown, TargetUnreachable
from upscale_conformance.robustness.inputs import png

PROBE = len(known_good())


def ok():
    return httpx.Response(200, content=png(160, 120), headers={"content-type": "image/png"})


def unavailable(status=503, html=False):
    if html:
        return httpx.Response(status, content=b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                              headers={"content-type": "text/html"})
    return httpx.Response(status, headers={"retry-after": "1"}, json={"error": {"message": "unavailable"}})


class Scripted:
    """A target whose answer depends on the call number (from 0) and on whether it is the known-good request."""

    def __init__(self, answer):
        self.answer, self.calls = answer, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        known = len(body) < PROBE + 1000 and known_good() in body
        self.calls.append("known-good" if known else "request")
        return self.answer(len(self.calls) - 1, known)


def client_for(target, budget=None, sleeps=None, patience=60.0):
    sleep = sleeps.append if sleeps is not None else (lambda s: None)
    return UpscaleClient("http://target.test", Secret("k"), budget or Budget(None), retry=RetryPolicy(),
                         transport=httpx.MockTransport(target), sleep=sleep,
                         health=TargetHealth(patience, sleep=sleep))


@pytest.mark.parametrize("down", [unavailable(503), unavailable(502, html=True), unavailable(504)],
                         ids=["503", "502-html", "504"])
def test_a_permanent_outage_ends_inconclusive_after_a_handful_of_calls(down):
    target = Scripted(lambda n, known: ok() if n < 3 else down)
    sleeps: list[float] = []
    with client_for(target, sleeps=sleeps) as client:
        for _ in range(3):
            assert client.upscale(png()).status == 200
        with pytest.raises(TargetDown) as info:
            client.upscale(png())
        calls_at_outage = len(target.calls)
        with pytest.raises(TargetDown):  # later calls: inconclusive at once, nothing sent
            client.upscale(png())
    assert len(target.calls) == calls_at_outage == 3 + 9  # request, known-good, 7 probes
    assert sum(sleeps) == 60 and max(sleeps) == 15
    (outage,) = client.health.outages
    assert outage.answered.startswith(str(down.status_code)) and outage.answered_before == 3
    assert outage.probes == 7 and not outage.recovered
    assert "3 request(s) were answered before it, 7 probe(s) after it" in str(info.value)


def test_an_outage_that_ends_within_the_patience_resumes_the_run():
    # down from call 2 for 6 probes' worth of time (1+2+4+8+15 = 30 s), then back
    target = Scripted(lambda n, known: ok() if n < 2 or n >= 8 else unavailable())
    with client_for(target) as client:
        client.upscale(png())
        client.upscale(png())
        result = client.upscale(png())
    assert result.status == 200
    (outage,) = client.health.outages
    assert outage.recovered and outage.probes == 5
    assert target.calls[-1] == "request"  # the request that met the outage was sent again


def test_a_5xx_answered_only_to_one_request_is_an_answer_to_judge():
    target = Scripted(lambda n, known: ok() if known else unavailable())
    with client_for(target) as client:
        result = client.upscale(png())
    assert result.status == 503  # the target answered the known-good request: it is healthy around it
    assert target.calls == ["request", "known-good", "request"]  # sent once more, then judged
    assert client.health.outages == []


def test_an_answer_that_timed_out_on_a_healthy_target_is_not_sent_again():
    def answer(n, known):
        if known:
            return ok()
        raise httpx.ReadTimeout("slow")

    target = Scripted(answer)
    budget = Budget(None)
    with client_for(target, budget) as client, pytest.raises(AnswerTimedOut, match="not repeated"):
        client.upscale(png())
    assert target.calls == ["request", "known-good"] and budget.spent == 2


def test_patience_is_the_run_s_to_set():
    target = Scripted(lambda n, known: ok() if n == 0 else unavailable())
    sleeps: list[float] = []
    with client_for(target, sleeps=sleeps, patience=5) as client, pytest.raises(TargetDown):
        client.upscale(png())
        client.upscale(png())
    assert sleeps == [1, 2, 2] and len(target.calls) == 1 + 2 + 3


def test_the_budget_bounds_the_probes_too():
    from upscale_conformance.errors import BudgetExhausted

    target = Scripted(lambda n, known: ok() if n == 0 else unavailable())
    with client_for(target, Budget(4)) as client, pytest.raises(BudgetExhausted):
        client.upscale(png())
        client.upscale(png())
    assert len(target.calls) == 4


def refused():
    return httpx.Response(400, json={"error": {"message": "unknown mode"}})


def dropped(n, known):
    raise httpx.RemoteProtocolError("Server disconnected without sending a response.")


def test_a_connection_dropped_before_any_answer_is_asked_again_and_noted_not_failed():
    target = Scripted(lambda n, known: refused() if known else dropped(n, known) if n == 0 else ok())
    with client_for(target) as client:
        result = client.upscale(png())
    assert result.status == 200 and result.attempts == 2
    assert target.calls == ["request", "known-good", "request"]
    (drop,) = client.health.drops
    assert drop["dropped"] == 1 and "before any answer" in drop["last"] and client.health.outages == []


def test_a_drop_that_repeats_is_no_answer_after_the_re_asks():
    target = Scripted(lambda n, known: refused() if known else dropped(n, known))
    with client_for(target) as client, pytest.raises(TargetUnreachable, match="asked 3 times, no answer any time"):
        client.upscale(png())
    assert target.calls == ["request", "known-good", "request", "request"] and client.health.drops == []


def test_an_answer_that_broke_off_once_begun_is_not_asked_again():
    class BreaksOff(httpx.SyncByteStream):
        def __iter__(self):
            yield b"\x89PNG"
            raise httpx.ReadError("connection reset")

    target = Scripted(lambda n, known: refused() if known else httpx.Response(200, stream=BreaksOff()))
    with client_for(target) as client, pytest.raises(TargetUnreachable, match="not repeated"):
        client.upscale(png())
    assert target.calls == ["request", "known-good"]


@pytest.mark.parametrize(("health", "billed", "asked"), [
    (400, 0, ["request", "known-good", "request"]),  # the documented refusal of an invalid mode: free
    (404, 1, ["request", "known-good", "known-good", "request"]),  # tells nothing: the billable upscale
], ids=["refused-400", "door-404"])
def test_the_health_question_costs_nothing_unless_nothing_else_can_tell(health, billed, asked):
    modes = []

    def answer(n, known):
        if not known:
            return ok() if n else unavailable()
        return httpx.Response(health, json={"error": {"message": "no"}}) if len(modes) == 1 else ok()

    def target(request):
        body = request.read()
        if known_good() in body:
            modes.append(b"conformance.health-check" in body)
        return script(request)

    script = Scripted(answer)
    budget = Budget(None)
    with client_for(target, budget) as client:
        assert client.upscale(png()).status == 200
    assert script.calls == asked and budget.billable == 1 + billed and modes[0]


def test_three_answers_in_a_row_too_slow_while_the_health_question_is_answered_is_degraded():
    health = TargetHealth(60, sleep=lambda s: None)
    health.timed_out(4000, 4.0, "a")
    health.complete(300)  # a small answer getting through shows nothing
    health.timed_out(4100, 4.0, "b")
    with pytest.raises(TargetDown, match=r"degraded: 3 answers in a row .* about 1025 bytes/s"):
        health.timed_out(4200, 4.0, "c")
    with pytest.raises(TargetDown, match="degraded"):  # and nothing more is sent
        health.check_gone()
    assert health.outages[0].why.startswith("the target is degraded")


def test_a_whole_answer_larger_than_a_timed_out_one_restarts_the_count():
    health = TargetHealth(60, sleep=lambda s: None)
    for _ in range(5):
        health.timed_out(0, 4.0, "a hang")
        health.complete(5000)
    assert health.gone is None


def test_past_the_run_s_deadline_nothing_more_is_sent():
    now = [0.0]
    health = TargetHealth(60, sleep=lambda s: None, clock=lambda: now[0])
    health.deadline, health.deadline_seconds = 100.0, 100.0
    health.check_gone()
    now[0] = 100.0
    with pytest.raises(TargetDown, match="the run's deadline of 100 s passed"):
        health.check_gone()


def test_a_trickling_answer_times_out_and_three_of_them_end_the_run():
    class Trickle(httpx.SyncByteStream):
        def __iter__(self):
            yield b"\x89PNG" + b"\0" * 1000
            raise httpx.ReadTimeout("slow")

    target = Scripted(lambda n, known: refused() if known else httpx.Response(200, stream=Trickle()))
    with client_for(target) as client:
        for _ in range(2):
            with pytest.raises(AnswerTimedOut):
                client.upscale(png())
        with pytest.raises(TargetDown, match="degraded"):
            client.upscale(png())
        with pytest.raises(TargetDown):
            client.upscale(png())
    assert target.calls == ["request", "known-good"] * 3  # nothing sent once degraded
