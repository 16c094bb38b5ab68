"""`upscale-conformance load` (issue 14, item 2) without a server of its own: a target that is down is
inconclusive and bad usage exits 2 before anything is sent; each answer is judged as the contract says;
the mix covers both modes, the header and every format; the figures give the exit code; the server's
queue sheds past its depth or bytes (its gate, called directly); Locust (gevent) never enters the
engine's or pytest's import graph."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from upscale_conformance import errors
from upscale_conformance.cli.load import load
from upscale_conformance.client import Secret, UpscaleResult
from upscale_conformance.contract import load_profile
from upscale_conformance.load import judge, mix, summary
from upscale_conformance.server.app import Gate

KEY = "sk_test_load_0123456789abcdef"
PROFILE = load_profile(None)


def test_a_target_that_is_down_is_inconclusive_before_anything_is_sent(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = CliRunner().invoke(load, ["--target", f"http://127.0.0.1:{port}", "--requests", "5",
                                    "--report-dir", str(tmp_path)], env={"PHOTOROOM_API_KEY": KEY})
    assert out.exit_code == 3, out.output
    assert "the target is down" in out.output
    assert json.loads(next(tmp_path.glob("load-*/load.json")).read_text())["exit_code"] == 3


@pytest.mark.parametrize(("args", "message"), [
    (["--target", "https://image-api.example.invalid"], "--requests N or --budget N"),
    (["--target", "https://image-api.example.invalid", "--duration", "10"], "--requests N or --budget N"),
    (["--target", "http://127.0.0.1:9", "--requests", "5", "--duration", "5"], "not both"),
    (["--target", "http://127.0.0.1:9", "--concurrency", "2", "--workers", "4"], "one user per worker"),
    (["--target", "http://127.0.0.1:9", "--pixels", "lots"], "LO-HI"),
    (["--target", "ftp://x"], "http(s) base URL"),
])
def test_usage_errors_exit_2_before_anything_is_sent(tmp_path, args, message):
    out = CliRunner().invoke(load, [*args, "--report-dir", str(tmp_path)], env={"PHOTOROOM_API_KEY": KEY})
    assert out.exit_code == 2 and message in out.output, out.output
    assert not any(tmp_path.iterdir()) and "Traceback" not in out.output


def test_a_paid_target_needs_a_key():
    out = CliRunner().invoke(load, ["--target", "https://image-api.example.invalid", "--requests", "3"],
                             env={"PHOTOROOM_API_KEY": ""})
    assert out.exit_code == 2 and "needs --api-key" in out.output


# --- the pieces, without Locust ------------------------------------------------------------------


def _answer(case: mix.LoadCase, picture) -> UpscaleResult:
    import io

    buf = io.BytesIO()
    picture.resize((case.width * 4, case.height * 4)).save(buf, "PNG")
    return UpscaleResult(200, {"content-type": "image/png"}, buf.getvalue(), 0.1, request=case.describe())


def test_another_requests_picture_of_the_same_size_is_caught_and_its_own_passes():
    case = mix.case_for(0, 3, (4096, 4096), PROFILE)
    other = mix.LoadCase(**{**case.__dict__, "index": 99})  # same size, mode and formats; another picture
    assert judge.check_own_picture(case, _answer(case, mix.picture(case))) == []
    found = judge.check_own_picture(case, _answer(case, mix.picture(other)))
    assert [v.code for v in found] == ["answer_of_another_request"] and found[0].clause == "FIDELITY-GEOMETRY"


def test_each_status_is_judged_as_the_contract_says():
    case = mix.case_for(2, 0, (4096, 4096), PROFILE)  # ai.slow
    error = b'{"error": {"message": "x"}}'

    def answer(status, headers, content):
        return judge.judge(case, UpscaleResult(status, headers, content, 0.1, request=case.describe()), PROFILE)

    refused = answer(400, {"content-type": "application/json"}, error)
    assert [v["clause"] for v in refused.violations] == ["LIMIT-SLOW-MAX"]
    crashed = answer(503, {}, b"busy")
    assert [v["clause"] for v in crashed.violations] == ["ERR-NO-5XX"]
    assert answer(401, {}, error).outcome == judge.NO_ANSWER  # the key, not the target under load


def test_what_the_client_raises_is_counted_or_inconclusive_and_never_shows_the_key():
    case = mix.case_for(2, 0, (4096, 4096), PROFILE)
    scrub = Secret(KEY).scrub
    limited = judge.unanswered(case, errors.RateLimited("429 after 1 attempt(s)", "2"), 0.1, scrub)
    assert (limited.status, limited.outcome, limited.note) == (429, judge.RATE_LIMITED, "Retry-After: 2")
    for error in (errors.TargetDown("down"), errors.AnswerTimedOut("late"), errors.TargetUnreachable(f"key {KEY}"),
                  errors.AnswerTooLarge("big"), errors.BudgetExhausted("spent"), errors.CreditsExhausted("402")):
        got = judge.unanswered(case, error, 30.0, scrub)
        assert (got.status, got.outcome) == (0, judge.NO_ANSWER) and type(error).__name__ in got.note
        assert KEY not in got.note


def test_the_mix_covers_both_modes_the_header_and_every_format_within_the_limits():
    cases = [mix.case_for(i, 0, (250_000, 1_000_000), PROFILE) for i in range(36)]
    assert {(c.mode, c.version) for c in cases} == {("ai.fast", None), ("ai.fast", "ai-upscale-2025-07-29"),
                                                    ("ai.slow", None)}
    assert {(c.input_format, c.export_format) for c in cases} == {(i, e) for i in mix.INPUT_FORMATS
                                                                  for e in mix.EXPORT_FORMATS}
    assert all(PROFILE.limit(c.mode).accepts(c.width, c.height) for c in cases)
    assert mix.encode(cases[0]) == mix.encode(mix.case_for(0, 0, (250_000, 1_000_000), PROFILE))


def test_exit_codes_of_the_figures():
    def row(i, status, outcome, violations=()):
        return {"index": i, "label": "ai.fast", "request": "r", "status": status, "seconds": 0.2,
                "outcome": outcome, "violations": list(violations), "started": 0.0, "finished": 1.0}

    bad = {"code": "size_not_4x", "clause": "DIM-4X", "message": "m"}
    assert summary.summarize([row(0, 200, "ok"), row(1, 429, "rate_limited")], 2)["exit_code"] == 0
    assert summary.summarize([row(0, 429, "rate_limited")], 1)["exit_code"] == 3  # nothing judged
    assert summary.summarize([row(0, 200, "ok")], 2)["exit_code"] == 3  # did not finish
    assert summary.summarize([row(0, 0, "no_answer"), row(1, 200, "violation", [bad])], 2)["exit_code"] == 1


def test_the_queue_sheds_past_its_depth_or_its_bytes_and_a_lone_request_always_enters():
    gate = Gate(3, max_bytes=100)
    assert gate.try_enter(150)  # alone: admitted whatever its size (the body cap bounds it)
    assert not gate.try_enter(1)  # 151 bytes held would pass 100
    gate.leave(150)
    assert gate.try_enter(60) and gate.try_enter(40) and not gate.try_enter(1)  # bytes
    gate.leave(40)
    gate.leave(60)
    assert gate.try_enter() and gate.try_enter() and gate.try_enter() and not gate.try_enter()  # depth
    assert gate.peak == 3


def test_locust_stays_out_of_the_engine_and_of_pytest():
    """pytest has imported every module of the package for its doctests by now, the locustfile aside."""
    import upscale_conformance.cli.app  # noqa: F401
    import upscale_conformance.load.launch  # noqa: F401

    assert not {m.split(".")[0] for m in sys.modules} & {"gevent", "locust", "geventhttpclient"}
