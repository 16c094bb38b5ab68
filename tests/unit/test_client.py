"""The client: request shape, budget, retries with Retry-After, redaction and the response cache.

These drive the real client against httpx.MockTransport: the transport plays the target, the
client is the thing under test.
"""

from __future__ import annotations

import io
import logging

import httpx
import pytest
from PIL import Image

from upscale_conformance.client import Budget, ResponseCache, RetryPolicy, UpscaleClient, UpscaleRequest
from upscale_conformance.client.secret import Secret
from upscale_conformance.errors import BudgetExhausted, RateLimited, TargetDown

KEY = "sk_live_SECRET_1234567890"


def png(width=3, height=2) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(buf, "PNG")
    return buf.getvalue()


class Target:
    """A scripted target: answers from a list, records what arrived."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def make_client(target, budget=None, sleeps=None, cache=None, retries=3):
    return UpscaleClient("http://target.test", Secret(KEY), budget or Budget(None),
                         retry=RetryPolicy(retries=retries, base=0.5, cap=30), cache=cache,
                         transport=httpx.MockTransport(target),
                         sleep=(sleeps.append if sleeps is not None else lambda s: None))


def ok():
    return httpx.Response(200, content=png(12, 8), headers={"content-type": "image/png"})


def test_request_is_built_like_the_seed_curl_examples():
    target = Target(ok())
    with make_client(target) as client:
        result = client.upscale(png(), mode="ai.fast", model_version="ai-upscale-2025-07-29")
    sent = target.requests[0]
    body = sent.read().decode("latin-1")
    assert sent.method == "POST" and sent.url.path == "/v2/edit"
    assert sent.headers["x-api-key"] == KEY
    assert sent.headers["pr-ai-upscale-model-version"] == "ai-upscale-2025-07-29"
    assert sent.headers["content-type"].startswith("multipart/form-data")
    for name, value in (("referenceBox", "originalImage"), ("removeBackground", "false"), ("upscale.mode", "ai.fast")):
        assert f'name="{name}"\r\n\r\n{value}\r\n' in body
    assert 'name="imageFile"; filename="image.png"' in body
    assert "export.format" not in body
    assert result.status == 200 and result.size == (12, 8) and result.format == "PNG"
    assert result.billable and result.decode_error is None and result.image.size == (12, 8)


def test_omitted_fields_and_missing_key_are_really_left_out():
    target = Target(httpx.Response(403, json={"error": {"message": "no key"}}))
    with make_client(target) as client:
        result = client.send(UpscaleRequest(image=None, omit=("removeBackground",), api_key=Secret("")))
    sent = target.requests[0]
    assert "x-api-key" not in sent.headers
    assert b"removeBackground" not in sent.read() and b"imageFile" not in sent.read()
    assert result.error_body == {"error": {"message": "no key"}} and not result.billable


def test_undecodable_200_is_evidence_not_a_crash():
    target = Target(httpx.Response(200, content=b"\x89PNG\r\n\x1a\nbroken", headers={"content-type": "image/png"}))
    with make_client(target) as client:
        result = client.upscale(png())
    assert result.image is None and result.decode_error and result.size is None


def test_budget_refuses_calls_past_it_with_a_clear_exception():
    target = Target(ok())
    budget = Budget(2)
    with make_client(target, budget) as client:
        client.upscale(png())
        client.upscale(png())
        with pytest.raises(BudgetExhausted, match="budget of 2 spent"):
            client.upscale(png())
    assert len(target.requests) == 2 and budget.billable == 2


def test_budget_is_split_across_workers_without_losing_calls():
    shares = [Budget(10).split(3, i).limit for i in range(3)]
    assert shares == [4, 3, 3] and sum(shares) == 10


def test_retry_after_is_honoured_and_each_retry_costs_budget():
    target = Target(httpx.Response(429, headers={"retry-after": "7"}, json={"error": {"message": "slow"}}),
                    httpx.Response(503, json={"error": {"message": "busy"}}), ok())
    sleeps: list[float] = []
    budget = Budget(10)
    with make_client(target, budget, sleeps) as client:
        result = client.upscale(png())
    assert result.status == 200 and result.attempts == 3
    assert sleeps == [7.0, 1.0]  # Retry-After beats the 0.5 s backoff; then backoff 0.5 * 2**1
    # The 503 first asked the target: a known-good request (answered 200) showed it healthy, so the
    # request was sent once more. Every call counts, the known-good one too.
    assert budget.spent == 4 and budget.billable == 2


def test_backoff_is_capped_even_when_retry_after_asks_for_more():
    assert RetryPolicy(base=0.5, cap=30).delay(0, "3600") == 30
    assert RetryPolicy(base=0.5, cap=30).delay(10, None) == 30


def test_retries_stop_at_the_budget():
    target = Target(httpx.Response(429, json={"error": {"message": "slow"}}))
    with make_client(target, Budget(2)) as client, pytest.raises(BudgetExhausted):
        client.upscale(png())
    assert len(target.requests) == 2


def test_persistent_rate_limit_raises_rate_limited():
    target = Target(httpx.Response(429, json={"error": {"message": "slow"}}))
    with make_client(target, retries=2) as client, pytest.raises(RateLimited):
        client.upscale(png())
    assert len(target.requests) == 3


def test_a_refused_connection_is_a_question_about_the_target_and_never_shows_the_key(caplog):
    caplog.set_level(logging.DEBUG)
    target = Target(ok(), httpx.ConnectError(f"refused (x-api-key: {KEY})"))
    sleeps: list[float] = []
    with make_client(target, sleeps=sleeps, retries=2) as client, pytest.raises(TargetDown) as info:
        client.upscale(png())  # answered: the target was up
        client.upscale(png())
    # then the request, the known-good request, probes at 1, 2, 4, 8 and 15 s apart until 60 s of patience
    assert len(target.requests) == 1 + 9 and sleeps == [1, 2, 4, 8, 15, 15, 15]
    assert "down" in str(info.value) and "ConnectError" in str(info.value)
    assert KEY not in str(info.value) and KEY not in caplog.text


def test_a_target_that_never_answered_is_not_waited_for():
    target = Target(httpx.ConnectError("[Errno -2] Name or service not known"))
    sleeps: list[float] = []
    with make_client(target, sleeps=sleeps) as client, pytest.raises(TargetDown, match="is the URL right"):
        client.upscale(png())
    assert len(target.requests) == 2 and sleeps == []  # the request and the known-good request, no patience


def test_a_refused_connection_to_a_healthy_target_is_sent_again():
    target = Target(httpx.ConnectError("refused"), ok())
    with make_client(target) as client:
        result = client.upscale(png())
    assert result.status == 200 and len(target.requests) == 3  # the request, the known-good one, the request again


def test_the_key_never_shows_in_reprs_or_results():
    target = Target(ok())
    with make_client(target) as client:
        result = client.upscale(png())
    for text in (repr(client), str(client), repr(client.api_key), f"{client.api_key}", repr(result), result.request):
        assert KEY not in text


def test_cache_replays_unchanged_requests_for_free(tmp_path):
    target = Target(ok())
    budget = Budget(1)
    cache = ResponseCache(tmp_path / "cache")
    with make_client(target, budget, cache=cache) as client:
        first = client.upscale(png(), mode="ai.slow")
        second = client.upscale(png(), mode="ai.slow")
        assert second.from_cache and second.content == first.content and second.status == 200
        with pytest.raises(BudgetExhausted):
            client.upscale(png(), mode="ai.fast")  # a different request is not a hit
    assert len(target.requests) == 1
    assert not any(KEY in p.read_text(errors="ignore") for p in (tmp_path / "cache").glob("*.json"))


def test_cache_keeps_answers_for_different_keys_apart(tmp_path):
    target = Target(ok(), httpx.Response(403, json={"error": {"message": "bad key"}}))
    cache = ResponseCache(tmp_path)
    with make_client(target, cache=cache) as client:
        assert client.upscale(png()).status == 200
        assert client.send(UpscaleRequest(image=png(), api_key=Secret("wrong"))).status == 403
    assert len(target.requests) == 2


def test_an_answer_that_stalls_mid_body_is_named_by_its_time_limit_and_not_repeated():
    from upscale_conformance.errors import AnswerTimedOut

    class Stalls(httpx.SyncByteStream):
        def __iter__(self):
            yield b"\x89PNG"
            raise httpx.ReadTimeout("stalled")

    answers = [httpx.Response(200, stream=Stalls()), ok()]  # the known-good request sent next is answered
    budget = Budget(5)
    client = UpscaleClient("http://target.invalid", Secret("sk_test_1234567890"), budget, timeout=7,
                           transport=httpx.MockTransport(lambda request: answers.pop(0)))
    with pytest.raises(AnswerTimedOut, match=r"within 7 s \(ReadTimeout\); not repeated"):
        client.send(UpscaleRequest(image=png()))
    assert budget.spent == 2 and not answers  # the request once, then the known-good request
