"""Drift classification between two records, the record file itself, and a run that cannot finish."""

from __future__ import annotations

import json

import httpx
import pytest
from PIL import Image, ImageFilter

from upscale_conformance import perceptual as pc
from upscale_conformance.client import Budget, RetryPolicy, UpscaleClient
from upscale_conformance.client.secret import Secret
from upscale_conformance.contract import Limit, load_profile
from upscale_conformance.monitor import compare, digest, record, run
from upscale_conformance.monitor.discover import discover
from upscale_conformance.monitor.signatures import signature_to_dict
from upscale_conformance.records.monitor import MonitorRecord
from upscale_conformance.strategies import ImageCase


def _limit_entry(limit: Limit) -> dict:
    d = discover(lambda w, h, role: limit.accepts(w, h), hint=limit)
    return {"finding": d.finding.to_dict(), "observations": [[o.width, o.height, o.accepted, o.role]
                                                             for o in d.observations], "calls": d.calls,
            "billable": 0, "cap": 24}


def _signature(blur: float = 0.0) -> dict:
    picture = ImageCase(64, 48, seed=3).picture()
    out = picture.resize((256, 192), Image.Resampling.BICUBIC)
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    return signature_to_dict(pc.signature(picture, out))


FAST = Limit("pixels", max_pixels=1_000_000)


def make_record(target="http://127.0.0.1:1111", fast: Limit = FAST) -> dict:
    rec = record.new_body("2026-05-01T00:00:00Z", {}, None)
    rec["limits"] = {"ai.fast": _limit_entry(fast), "ai.slow": _limit_entry(Limit("pixels", max_pixels=262_144))}
    rec["over_limit"] = {"ai.fast": {"size": [1001, 1001], "status": 400,
                                     "body_shape": '{"error": {"message": "string"}}'}}
    rec["fixed"] = [{"input": "landscape-64x48", "combo": "ai.fast", "status": 200, "input_size": [64, 48],
                     "expected_size": [256, 192], "output_size": [256, 192], "scale_ok": True, "sha256": "a" * 64,
                     "signature": _signature(), "elapsed_s": 0.05}]
    rec["model_header"] = {"version": "ai-upscale-2025-07-29", "distance": 1.6, "distances": [1.6],
                           "rerun_noise": 0.0, "needed": 0.1, "switches": True,
                           "unknown_version": {"value": "ai-upscale-1999-01-01", "status": 400, "body_shape": "{}"}}
    rec["formats"] = {"webp": {"status": 200, "accepted": True, "content_type": "image/webp", "format": "WEBP",
                               "ok": True},
                      "avif": {"status": 200, "accepted": True, "content_type": "image/avif", "format": "AVIF",
                               "ok": True}}
    rec["latency"] = {"ai.fast": {"median_s": 0.2, "samples": 3}}
    return record.finished(rec, target, "pixel-budget-2026", 0).to_dict()


def drift(old: dict, new: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"breaking": [], "notable": []}
    for d in compare.compare(old, new):
        out[d.severity].append(f"{d.area} {d.subject}: {d.message}")
    return out


def test_the_same_implementation_at_another_address_is_not_drift():
    old = make_record()
    new = make_record(target="http://localhost:2222")
    assert compare.compare(old, new) == []


def test_limit_narrowed_or_changed_kind_is_breaking_grown_is_notable():
    pixels, axis = make_record(), make_record(fast=Limit("per_axis", max_width=1000, max_height=1000))
    found = drift(pixels, axis)
    assert found["notable"] == [] and len(found["breaking"]) == 1
    assert "ai.fast" in found["breaking"][0] and "narrower; changed kind" in found["breaking"][0]
    found = drift(axis, pixels)
    assert found["breaking"] == [] and "wider" in found["notable"][0]


def test_a_size_accepted_before_and_refused_now_is_breaking_whatever_the_summary_says():
    old, new = make_record(), make_record()
    obs = new["limits"]["ai.fast"]["observations"]
    accepted = next(o for o in obs if o[2] and o[3] == "square")
    accepted[2] = False
    found = drift(old, new)
    assert any(f"{accepted[0]}x{accepted[1]} accepted in the baseline, now refused" in b for b in found["breaking"])


@pytest.mark.parametrize(("change", "severity", "words"), [
    (lambda r: r["over_limit"]["ai.fast"].update(status=500), "breaking", "status was 400, now 500"),
    (lambda r: r["over_limit"]["ai.fast"].update(body_shape='{"detail": "string"}'), "breaking", "changed shape"),
    (lambda r: r["fixed"][0].update(output_size=[192, 144], scale_ok=False), "breaking", "4x broken"),
    (lambda r: r["fixed"][0].update(status=400), "breaking", "now 400"),
    (lambda r: r["model_header"].update(switches=False, distance=0.0), "breaking", "stopped switching"),
    (lambda r: r["model_header"]["unknown_version"].update(status=200), "notable", "answered 400, now 200"),
    (lambda r: r["formats"]["avif"].update(status=400, accepted=False), "breaking", "avif: accepted in the baseline"),
    (lambda r: r["formats"]["webp"].update(format="PNG", ok=False), "breaking", "not as asked"),
    (lambda r: r["latency"]["ai.fast"].update(median_s=0.5), "notable", "0.20 s -> 0.50 s"),
    (lambda r: r["fixed"][0].update(sha256="b" * 64, signature=_signature(blur=2.0)), "breaking",
     "jump beyond the regression threshold"),
])
def test_each_kind_of_drift_is_classified(change, severity, words):
    old, new = make_record(), make_record()
    change(new)
    found = drift(old, new)
    other = "notable" if severity == "breaking" else "breaking"
    assert any(words in line for line in found[severity]), found
    assert found[other] == [], found


def test_latency_jitter_on_a_fast_call_is_not_drift():
    old, new = make_record(), make_record()
    old["latency"]["ai.fast"]["median_s"], new["latency"]["ai.fast"]["median_s"] = 0.02, 0.05  # +150 %, 30 ms
    assert compare.compare(old, new) == []


def test_an_identical_output_is_not_measured_again():
    old, new = make_record(), make_record()
    new["fixed"][0]["signature"] = _signature(blur=3.0)  # same sha256: the bytes did not change
    assert compare.compare(old, new) == []


def test_a_record_reads_back_and_other_files_are_refused(tmp_path):
    path = record.write_record(MonitorRecord.from_dict(make_record()), tmp_path)
    assert record.load_record(path)["target"] == "http://127.0.0.1:1111"
    assert "sk_" not in path.read_text()
    (tmp_path / "other.json").write_text(json.dumps({"schema": record.SCHEMA, "version": 99}))
    for name, text, words in [("missing.json", None, "not found"), ("bad.json", "{nope", "not JSON"),
                              ("list.json", "[1, 2]", "not a monitor record"), ("other.json", None, "newer")]:
        if text is not None:
            (tmp_path / name).write_text(text)
        with pytest.raises(record.RecordError, match=words):
            record.load_record(tmp_path / name)


def test_the_digest_puts_drift_first():
    old, new = make_record(), make_record(fast=Limit("per_axis", max_width=1000, max_height=1000))
    new["cost"].update(spent=27, billable=15)
    text = digest.digest(new, compare.compare(old, new), old)
    assert text.index("## Drift") < text.index("## Limits")
    assert "1 breaking, 0 notable" in text and "27 calls, 15 billable" in text
    assert "Error answers cost nothing" in text


def test_hints_come_from_a_clean_baseline_else_from_the_profile():
    profile = load_profile("pixel-budget-2026")
    hints = run.hints_for(profile, make_record(fast=Limit("per_axis", max_width=900, max_height=900)))
    assert hints["ai.fast"] == {"limit": {"kind": "per_axis", "max_width": 900, "max_height": 900},
                                "source": "baseline"}
    broken = make_record()
    broken["limits"]["ai.slow"]["finding"]["kind"] = "irregular"
    assert run.hints_for(profile, broken)["ai.slow"]["source"] == "profile pixel-budget-2026"


def test_an_unreachable_target_leaves_an_inconclusive_record_without_the_key():
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    key = Secret("sk_live_never_written")
    client = UpscaleClient("http://vendor.invalid", key, Budget(10), retry=RetryPolicy(retries=1),
                           transport=httpx.MockTransport(refuse), sleep=lambda s: None)
    rec = record.new_body(run.now(), run.hints_for(load_profile(None), None), 10)
    run.monitor(client, rec)
    assert "the target is down" in rec["inconclusive"] and "did not answer" in rec["inconclusive"]
    # the request and the known-good request: a target that never answered is not waited for (client.health)
    assert rec["cost"] == {"budget": 10, "spent": 2, "billable": 0}
    assert key.reveal() not in json.dumps(rec)


def test_a_refused_key_is_inconclusive_not_a_shrunken_limit():
    transport = httpx.MockTransport(lambda request: httpx.Response(403, json={"error": {"detail": "bad key"}}))
    client = UpscaleClient("http://vendor.invalid", Secret("k"), Budget(None), transport=transport)
    rec = record.new_body(run.now(), run.hints_for(load_profile(None), None), None)
    run.monitor(client, rec)
    assert "got 403" in rec["inconclusive"] and rec["limits"] == {}
    assert rec["calls"][0]["body_shape"] == '{"error": {"detail": "string"}}'


def test_an_inexact_limit_is_drift_only_outside_its_bracket():
    from upscale_conformance.monitor.fit import LimitFinding

    exact = LimitFinding("per_axis", max_width=2000, max_height=1000, width_range=(2000, 2000),
                         height_range=(1000, 1000), largest_square=1000, square_exact=True, exact=True)
    capped = LimitFinding("per_axis", max_width=1512, max_height=1000, width_range=(1512, None),
                          height_range=(1000, 1000), largest_square=1000, square_exact=True)
    shrunk = LimitFinding("per_axis", max_width=1200, max_height=1000, width_range=(1200, 1499),
                          height_range=(1000, 1000), largest_square=1000, square_exact=True)
    old, new = make_record(), make_record()
    old["limits"]["ai.fast"] = {"finding": exact.to_dict(), "observations": []}
    new["limits"]["ai.fast"] = {"finding": capped.to_dict(), "observations": []}
    assert compare.compare(old, new) == []
    new["limits"]["ai.fast"]["finding"] = shrunk.to_dict()
    assert [d.severity for d in compare.compare(old, new)] == ["breaking"]


def test_a_target_that_keeps_rate_limiting_is_inconclusive():
    transport = httpx.MockTransport(lambda request: httpx.Response(429, headers={"retry-after": "1"}))
    client = UpscaleClient("http://vendor.invalid", Secret("k"), Budget(None), transport=transport,
                           sleep=lambda s: None)
    rec = record.new_body(run.now(), run.hints_for(load_profile(None), None), None)
    run.monitor(client, rec)
    assert "429" in rec["inconclusive"] and rec["cost"]["spent"] == 4  # one request, three retries


def test_finishing_judges_drift_then_writes_the_record_the_digest_and_the_page(tmp_path):
    from upscale_conformance.monitor.finish import finish

    asked = []

    def folder():
        asked.append(1)
        return tmp_path / "out"

    done = finish(make_record(fast=Limit("pixels", max_pixels=500_000)), make_record(), folder, "local", "p")
    assert done.code == 1 and done.counts() == {"breaking": 1, "notable": 0} and asked == [1]
    written = json.loads(done.path.read_text())
    assert written["exit_code"] == 1 and written["drift"]["items"][0]["severity"] == "breaking"
    assert done.digest.read_text().startswith("#") and "breaking drift" in (tmp_path / "out" / "index.html").read_text()
    same = finish(make_record(), make_record(), lambda: tmp_path / "same", "local", "p")
    assert same.code == 0 and same.drift == [] and same.counts() == {"breaking": 0, "notable": 0}


def test_an_inconclusive_run_is_not_compared_and_exits_3(tmp_path):
    from upscale_conformance.monitor.finish import finish

    body = make_record(fast=Limit("pixels", max_pixels=500_000))
    body["inconclusive"] = "the target did not answer"
    done = finish(body, make_record(), lambda: tmp_path, "http://127.0.0.1:9", "p")
    assert (done.code, done.drift) == (3, None) and "drift" not in json.loads(done.path.read_text())


def test_a_run_s_spending_is_capped_only_where_calls_may_cost():
    from upscale_conformance.monitor.plan import DEFAULT_BUDGET, spending

    assert spending("local", None).limit is None and "no cap" in spending("local", None).said
    assert spending("http://127.0.0.1:9", 5).said == "target http://127.0.0.1:9: at most 5 calls"
    remote = spending("https://vendor.example", None)
    assert remote.limit == DEFAULT_BUDGET == 63 and not remote.warning
    assert spending("https://vendor.example", 10).warning.startswith("the budget is below the 63 calls")
