"""Bundles and replay without a server: the check's call recorded, a bundle written and read back to the
same request, no key in any file, and replay's FIXED / STILL FAILING / FLAKY / INCONCLUSIVE against a
target played by httpx.MockTransport."""

from __future__ import annotations

import io
import json

import httpx
import pytest
from PIL import Image, ImageOps

from upscale_conformance.checks import check_fidelity, check_rejected, check_size
from upscale_conformance.client import Budget, RawBody, Secret, UpscaleClient, UpscaleRequest, UpscaleResult
from upscale_conformance.contract import load_profile
from upscale_conformance.errors import ConformanceError
from upscale_conformance.replay import (
    FIXED,
    FLAKY,
    INCONCLUSIVE,
    MAX_BUNDLES_PER_CLAUSE,
    STILL_FAILING,
    export_pytest,
    find_bundles,
    judge,
    load_bundle,
    new_bundle_folder,
    replay,
    write_bundle,
)
from upscale_conformance.replay.engine import exit_code
from upscale_conformance.robustness import BY_NAME, check_hostile_answer
from upscale_conformance.strategies import ImageCase, request_for

KEY = "sk_live_unit_REPLAY_0123456789"
CASE = ImageCase(24, 16, seed=3)


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _upscaled(mirrored: bool = False) -> bytes:
    big = CASE.picture().resize((CASE.width * 4, CASE.height * 4), Image.Resampling.BICUBIC)
    return _png(ImageOps.mirror(big) if mirrored else big)


def _answer(content: bytes, status: int = 200) -> UpscaleResult:
    return UpscaleResult(status, {"content-type": "image/png"}, content, 0.1)


def _bundle(tmp_path, request: UpscaleRequest | None = None):
    """A FIDELITY-GEOMETRY bundle of a mirrored answer, written as the plugin writes it."""
    request = request or request_for(CASE, "ai.fast", params=(("a", "1"),), model_version="2")
    result = _answer(_upscaled(mirrored=True))
    (found,) = check_fidelity(CASE.picture(), result)
    folder = new_bundle_folder(tmp_path / "bundles", found.clause)
    write_bundle(folder, request, result, found, target="http://127.0.0.1:9", base_url="http://127.0.0.1:9",
                 profile="pixel-budget-2026", scrub=Secret(KEY).scrub)
    return load_bundle(folder)


def test_a_check_records_how_it_was_called_and_the_outermost_call_wins():
    (v,) = check_size(_answer(_upscaled()), (10, 10))
    assert v.call == {"function": "check_size",
                                   "args": {"result": "the answer", "oriented": [10, 10], "clause": "DIM-4X"}}
    found = check_rejected(UpscaleResult(500, {}, b"{}", 0.1), (400,), "LIMIT-FAST-EDGE")
    assert {v.call["function"] for v in found} == {"check_rejected"}
    (v,) = check_fidelity(CASE.picture(), _answer(_upscaled(mirrored=True)))
    assert v.call["args"]["picture"] == "the uploaded image, EXIF applied"


def test_a_bundle_gives_back_the_very_request_and_holds_no_key(tmp_path):
    request = request_for(CASE, "ai.slow", params=(("q", "x y"),), model_version="2",
                          extra_fields=(("export.format", "png"),))
    bundle = _bundle(tmp_path, request)
    assert bundle.upscale_request() == request
    assert (bundle.folder / CASE.filename).read_bytes() == request.image
    assert bundle.check["call"]["function"] == "check_fidelity" and "correlation" in bundle.check["measurement"]
    assert "geometry_margin" in bundle.check["measurement"]["thresholds"]  # the threshold it was held to
    assert json.loads((bundle.folder / "request.json").read_text())["headers"]["x-api-key"] == "$PHOTOROOM_API_KEY"
    script = (bundle.folder / "curl.sh").read_text()
    assert 'cd "$(dirname "$0")"' in script and f"imageFile=@{CASE.filename}" in script and "q=x y" in script
    # A key a test chose (an invalid one, say) is kept; the run's key is scrubbed wherever it would appear.
    raw = UpscaleRequest(None, raw=RawBody(b"not a form " + KEY.encode(), None), api_key=Secret(KEY))
    other = _bundle(tmp_path, raw)
    for folder in (bundle.folder, other.folder):
        for f in folder.iterdir():
            assert KEY.encode() not in f.read_bytes() or f.name == "body", f  # a raw body is sent as it was
    assert "--header 'Content-Type:'" in (other.folder / "curl.sh").read_text()


def test_bundles_per_clause_are_capped(tmp_path):
    made = [new_bundle_folder(tmp_path, "DIM-4X") for _ in range(MAX_BUNDLES_PER_CLAUSE + 2)]
    assert [m.name for m in made if m] == [f"DIM-4X-{n}" for n in range(1, MAX_BUNDLES_PER_CLAUSE + 1)]
    assert made[-1] is None


def test_judging_calls_the_same_check_on_the_new_answer(tmp_path):
    bundle = _bundle(tmp_path)
    assert [v.code for v in judge(bundle, _answer(_upscaled(mirrored=True)))] == ["fidelity_mirrored"]
    assert judge(bundle, _answer(_upscaled())) == []


def _client(answers, budget=None):
    """A client whose target answers from ``answers`` in turn (True: mirrored)."""
    sent = iter(answers)

    def target(request: httpx.Request) -> httpx.Response:
        assert request.headers["x-api-key"] == KEY and request.url.params["a"] == "1"
        return httpx.Response(200, headers={"content-type": "image/png"}, content=_upscaled(next(sent)))

    return UpscaleClient("http://target.test", Secret(KEY), budget or Budget(None),
                         transport=httpx.MockTransport(target), sleep=lambda s: None)


@pytest.mark.parametrize(("answers", "outcome"), [((False,) * 3, FIXED), ((True,) * 3, STILL_FAILING),
                                                  ((True, False, True), FLAKY)])
def test_replay_says_fixed_still_failing_or_flaky(tmp_path, answers, outcome):
    bundle = _bundle(tmp_path)
    with _client(answers) as client:
        done = replay(bundle, client, 3)
    assert (done.outcome, done.tries, done.failed) == (outcome, 3, sum(answers))
    assert done.line().startswith(outcome)
    assert exit_code([done]) == (0 if outcome == FIXED else 1)


def test_no_answer_is_inconclusive_not_fixed(tmp_path):
    with _client([False], Budget(0)) as client:
        done = replay(_bundle(tmp_path), client, 3)
    assert done.outcome == INCONCLUSIVE and done.tries == 0 and "budget" in done.why
    assert exit_code([done]) == 3


def test_export_writes_one_test_per_bundle_beside_copied_bundles(tmp_path):
    _bundle(tmp_path)
    _bundle(tmp_path)
    bundles = [load_bundle(f) for f in find_bundles(tmp_path)]
    module = tmp_path / "kept" / "test_kept.py"
    folder = export_pytest(bundles, module)
    text = module.read_text()
    compile(text, str(module), "exec")
    assert text.count("\ndef test_") == 2 and folder == module.parent / "test_kept_bundles"
    assert sorted(p.name for p in folder.iterdir()) == ["FIDELITY-GEOMETRY-1", "FIDELITY-GEOMETRY-2"]


def test_a_bundle_carries_its_format_and_older_or_newer_ones_are_told_apart(tmp_path):
    bundle = _bundle(tmp_path)
    assert bundle.format == 2 and bundle.finding.asked.mode == "ai.fast" and bundle.finding.asked.input_kind == "PNG"
    check = json.loads((bundle.folder / "check.json").read_text())
    # A bundle written before the format was versioned: no format, no asked; read as format 1, judged the same.
    del check["format"], check["asked"]
    (bundle.folder / "check.json").write_text(json.dumps(check))
    old = load_bundle(bundle.folder)
    assert old.format == 1 and old.finding.asked.mode == "ai.fast" and old.finding.call == check["call"]
    assert [v.code for v in judge(old, _answer(_upscaled(mirrored=True)))] == ["fidelity_mirrored"]
    (bundle.folder / "check.json").write_text(json.dumps({**check, "format": 3}))
    with pytest.raises(ConformanceError, match="bundle format 3 was written by a newer upscale-conformance"):
        load_bundle(bundle.folder)


def test_a_hostile_bundle_is_sent_again_raw_and_judged_by_the_battery_s_judge(tmp_path):
    hostile = BY_NAME["json-body"]
    request = hostile.request(load_profile(None))
    crashed = UpscaleResult(500, {"content-type": "application/json"}, b'{"error": {"message": "boom"}}', 0.1)
    found = [v for v in check_hostile_answer(crashed, hostile.name, hostile.sizes(load_profile(None)))
             if v.clause == "ROB-NO-5XX"]
    folder = new_bundle_folder(tmp_path / "bundles", "ROB-NO-5XX")
    write_bundle(folder, request, crashed, found[0], target="local", base_url="http://127.0.0.1:9",
                 profile="pixel-budget-2026", scrub=Secret(KEY).scrub)
    bundle = load_bundle(folder)
    assert bundle.finding.call["function"] == "check_hostile_answer"
    bodies = []

    def target(answer_status):
        def answer(req: httpx.Request) -> httpx.Response:
            bodies.append(req.content)
            return httpx.Response(answer_status, json={"error": {"message": "no"}})
        return answer

    for status, outcome in ((500, STILL_FAILING), (400, FIXED)):
        with UpscaleClient("http://target.test", Secret(KEY), Budget(None), transport=httpx.MockTransport(
                target(status)), sleep=lambda s: None) as client:
            assert replay(bundle, client, 1).outcome == outcome
    assert bodies == [request.raw.content] * 2  # the hostile body itself, byte for byte


def test_a_finding_no_check_can_judge_again_is_not_sent(tmp_path):
    from upscale_conformance.findings import Violation

    request = request_for(CASE, "ai.fast")
    v = Violation("schemathesis_response_schema_conformance", "SCHEMA-CONFORMS", "the body breaks the schema")
    folder = new_bundle_folder(tmp_path / "bundles", v.clause)
    write_bundle(folder, request, _answer(b"{}", 400), v, target="local", base_url="http://127.0.0.1:9",
                 profile="pixel-budget-2026", scrub=Secret(KEY).scrub)
    with _client([]) as client:  # a send would fail the test: the target has no answer to give
        done = replay(load_bundle(folder), client, 2)
    assert (done.outcome, done.tries) == (INCONCLUSIVE, 0) and "not sent" in done.line()


def test_a_schema_suite_4x_finding_replays_its_raw_bytes_with_the_same_judgement(tmp_path):
    from types import SimpleNamespace

    from upscale_conformance.plugin import schema as sc

    image = _png(Image.new("RGB", (40, 30)))
    case = SimpleNamespace(body={"imageFile": image, "upscale.mode": "ai.fast"}, headers={}, method="post",
                           formatted_path="/v2/edit", operation=SimpleNamespace(label="POST /v2/edit"))
    twice = UpscaleResult(200, {"content-type": "image/png"}, _png(Image.new("RGB", (80, 60))), 0.1)
    with pytest.raises(sc.NotFourTimes) as info:
        sc.exactly_4x(None, SimpleNamespace(status_code=200, content=twice.content), case)
    (v,) = sc.violations_from([info.value], sc.describe_case(case), sc.case_asked(case))
    body = b"--b\r\nmultipart bytes as Schemathesis serialized them\r\n--b--\r\n"
    sent = sc.as_sent(case, {"Content-Type": "multipart/form-data; boundary=b"}, body, "http://t.test/v2/edit")
    folder = new_bundle_folder(tmp_path / "bundles", v.clause)
    write_bundle(folder, sent, twice, v, target="local", base_url="http://t.test", profile="pixel-budget-2026",
                 scrub=Secret(KEY).scrub)
    bundle = load_bundle(folder)
    for status, size, outcome in ((200, (80, 60), STILL_FAILING), (200, (160, 120), FIXED), (400, None, FIXED)):
        def target(req: httpx.Request, status=status, size=size) -> httpx.Response:
            assert req.content == body and req.headers["content-type"] == "multipart/form-data; boundary=b"
            content = _png(Image.new("RGB", size)) if size else b'{"error": {"message": "no"}}'
            return httpx.Response(status, content=content)

        with UpscaleClient("http://t.test", Secret(KEY), Budget(None), transport=httpx.MockTransport(target),
                           sleep=lambda s: None) as client:
            assert replay(bundle, client, 1).outcome == outcome, (status, size)


def test_a_hostile_request_left_unanswered_replays_still_failing_while_silent_and_fixed_once_answered(tmp_path):
    from upscale_conformance.robustness import check_unanswered

    hostile = BY_NAME["json-body"]
    request = hostile.request(load_profile(None))
    (found,) = check_unanswered(hostile, "no answer within 60 s", hostile.sizes(load_profile(None)))
    folder = new_bundle_folder(tmp_path / "bundles", found.clause)
    write_bundle(folder, request, None, found, target="local", base_url="http://127.0.0.1:9",
                 profile="pixel-budget-2026", scrub=Secret(KEY).scrub)
    bundle = load_bundle(folder)
    assert bundle.answer["status"] is None and bundle.finding.clause == "ROB-ANSWERED"

    def silent_to_it(req: httpx.Request) -> httpx.Response:  # answers the client's known-good request only
        if req.content == request.raw.content:
            raise httpx.ReadTimeout("no answer", request=req)
        return httpx.Response(200, headers={"content-type": "image/png"}, content=_upscaled())

    def refusing(req: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": {"message": "not a form"}})

    for target, outcome in ((silent_to_it, STILL_FAILING), (refusing, FIXED)):
        with UpscaleClient("http://t.test", Secret(KEY), Budget(None), transport=httpx.MockTransport(target),
                           sleep=lambda s: None) as client:
            done = replay(bundle, client, 1)
        assert done.outcome == outcome, done.line()


def _bundle_of(tmp_path, target: str):
    request = request_for(CASE, "ai.fast", params=(("a", "1"),), model_version="2")
    result = _answer(_upscaled(mirrored=True))
    (found,) = check_fidelity(CASE.picture(), result)
    folder = new_bundle_folder(tmp_path / "bundles", found.clause)
    write_bundle(folder, request, result, found, target=target, base_url=target, profile="pixel-budget-2026",
                 scrub=Secret(KEY).scrub)
    return load_bundle(folder)


def test_a_batch_groups_bundles_by_their_own_target_and_budgets_only_a_paid_one(tmp_path):
    from upscale_conformance.replay.batch import plan

    here, paid = (_bundle_of(tmp_path, t) for t in ("http://127.0.0.1:9", "https://vendor.example"))
    loopback = plan([here], None, 3, None)
    assert loopback.calls.limit is None and loopback.notice() == ""
    both = plan([here, paid, here], None, 3, None)
    assert {t: len(g) for t, g in both.groups.items()} == {"http://127.0.0.1:9": 2, "https://vendor.example": 1}
    assert both.paid == ["https://vendor.example"] and both.calls.limit == 200  # the default beats a cost of 9
    assert both.notice() == ("replay sends 9 calls (3 bundles x 3 tries) to vendor.example, retries and health "
                             "probes apart; budget 200")
    assert plan([paid] * 70, None, 3, None).calls.limit == 210  # a cost above the default is the budget
    assert plan([paid], None, 3, 5).calls.limit == 5
    moved = plan([here, paid], "http://127.0.0.1:8", 3, None)  # --target sends every bundle there
    assert list(moved.groups) == ["http://127.0.0.1:8"] and moved.calls.limit is None


def test_a_batch_opens_each_target_once_spends_one_budget_and_says_so_in_one_line(tmp_path):
    import contextlib
    from types import SimpleNamespace

    from upscale_conformance.replay.batch import plan, replay_all, summary_line

    first, second = (_bundle_of(tmp_path, t) for t in ("http://127.0.0.1:9", "http://127.0.0.1:8"))
    batch = plan([first, second, first], None, 2, None)
    opened, shown = [], []

    @contextlib.contextmanager
    def session_on(where, profile):
        opened.append((where, profile))
        answers = (False, False, False, False) if where.endswith(":9") else (True, True)
        with _client(answers, batch.calls) as client:
            yield SimpleNamespace(client=client)

    outcomes = replay_all(batch, session_on, show=shown.append)
    assert opened == [("http://127.0.0.1:9", "pixel-budget-2026"), ("http://127.0.0.1:8", "pixel-budget-2026")]
    assert [o.outcome for o in outcomes] == [FIXED, FIXED, STILL_FAILING] and shown == outcomes
    assert summary_line(outcomes, batch.calls) == "3 bundles: 2 FIXED, 1 STILL FAILING; 6 calls, 6 billable"
