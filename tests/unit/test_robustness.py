"""The hostile-input group (ROB-*), its pieces: the battery holds what issue 14 names, the plan marks
the group off on a paid target (the flag reaches the suites), and raw bodies and query strings get
cache keys of their own. The group against servers: tests/e2e/test_robustness.py.
"""

from __future__ import annotations

from rich.console import Console

from upscale_conformance.client import RawBody, ResponseCache, UpscaleRequest
from upscale_conformance.client.secret import Secret
from upscale_conformance.contract import load_profile
from upscale_conformance.robustness import BATTERY, BY_NAME, EITHER, QUICK, REFUSE
from upscale_conformance.running.planning import ClausePlan, Plan, print_plan
from upscale_conformance.running.runner import RunSettings

ROB = ("ROB-NO-5XX", "ROB-REFUSED", "ROB-ANSWERED", "ROB-ALIVE", "ROB-VALID-AFTER-ALL")


def test_the_battery_holds_what_the_issue_names():
    names = [h.name for h in BATTERY]
    assert len(names) == len(set(names)) >= 40 and set(QUICK) <= set(names)
    assert {h.expect for h in BATTERY} == {REFUSE, EITHER} and {BY_NAME[n].expect for n in QUICK} == {REFUSE, EITHER}
    for wanted in ("empty-imageFile", "png-cut-in-half", "jpeg-no-scan", "webp-cut-in-half", "png-wrong-magic",
                   "text-named-png", "bomb-png-100000x100000", "bomb-png-60000x60000", "upload-30mb-plus-1",
                   "gif-animated", "webp-animated", "apng", "tiff-multi-page", "jpeg-cmyk", "png-16bit",
                   "exif-corrupt", "exif-orientation-0", "exif-orientation-9", "missing-imageFile",
                   "two-imageFile-parts", "removeBackground-number", "export-format-empty", "mode-unicode",
                   "mode-10000-chars", "filename-unicode", "filename-10000-chars", "multipart-no-boundary",
                   "json-body", "urlencoded-body", "query-string-only"):
        assert wanted in names, wanted
    profile = load_profile(None)
    over = BY_NAME["upload-30mb-plus-1"].request(profile)
    assert len(over.image) == profile.max_upload_bytes + 1 == 31_457_281
    assert all(h.request(profile).timeout for h in BATTERY)  # every hostile request has its bound


def test_the_plan_marks_the_group_off_on_a_paid_target_and_the_flag_reaches_the_suites():
    settings = RunSettings("https://image-api.example.invalid", load_profile(None), economy=True, golden_target="x")
    assert "--upscale-allow-negative" not in settings.suite_options()
    settings.allow_negative = True
    assert settings.suite_options()[-2:] == ["--upscale-allow-negative", "1"]
    reason = "economy: off on a paid target; run --allow-negative to send it (errors are free)"
    summary = {"calls_spent": 3, "calls_billable": 1,
               "tests_detail": [{"nodeid": "a", "calls": 3, "billable": 1, "clauses": ["DIM-4X"]},
                                {"nodeid": "b", "calls": 0, "billable": 0, "clauses": ["ROB-NO-5XX"]}],
               "clauses": {"ROB-NO-5XX": {"verdict": "NOT RUN", "evidence": [{"code": "not_run", "message": reason}]},
                           "DIM-4X": {"verdict": "PASS", "evidence": []}}}
    plan = Plan.from_summary(summary)
    assert plan.off == {"ROB-NO-5XX": reason} and plan.clauses["ROB-NO-5XX"] == ClausePlan(1, 0, 0, 3)
    assert plan.unreached(1) == {"DIM-4X": 3}  # an off clause is not "unreached" by the budget
    console = Console(record=True, width=200)
    print_plan(plan, 1, console)
    assert f"off: {reason}" in console.export_text()


def test_raw_bodies_and_query_strings_get_cache_keys_of_their_own(tmp_path):
    cache, key = ResponseCache(tmp_path), Secret("k")
    requests = [UpscaleRequest(image=None, raw=RawBody(b"{}", "application/json")),
                UpscaleRequest(image=None, raw=RawBody(b"{ }", "application/json")),
                UpscaleRequest(image=None, raw=RawBody(b"{}", None)),
                UpscaleRequest(image=None, raw=RawBody(b"", None), params=(("upscale.mode", "ai.fast"),)),
                UpscaleRequest(image=None, raw=RawBody(b"", None))]
    assert len({cache.key("http://t", r, key) for r in requests}) == len(requests)


def test_rob_alive_blames_a_hostile_input_only_for_a_change_from_before_the_battery():
    from upscale_conformance.client import UpscaleResult
    from upscale_conformance.robustness import judge_liveness
    from upscale_conformance.robustness.inputs import png as picture

    off_by_one = UpscaleResult(200, {"content-type": "image/png"}, picture(129, 96), 0.1)
    right = UpscaleResult(200, {"content-type": "image/png"}, picture(128, 96), 0.1)
    hostile = BY_NAME["empty-imageFile"]
    assert judge_liveness(hostile, off_by_one, True, before=off_by_one) == []  # wrong all along: not blamed
    (changed,) = judge_liveness(hostile, off_by_one, True, before=right)  # a change: blamed, saying from what
    assert changed.clause == "ROB-ALIVE" and "before the battery: 200 128x96" in changed.message
    assert [v.code for v in judge_liveness(hostile, off_by_one, True)] == ["target_broken_after"]  # no baseline
