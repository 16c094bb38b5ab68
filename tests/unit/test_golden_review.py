"""Golden review without a server: candidates grouped by how they moved, approve/revert keep every baseline,
a golden's key carries the model version, and `run --golden-dir` reaches the suites."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from upscale_conformance import goldens as gs
from upscale_conformance.contract import NEW_FAST_MODEL, load_profile
from upscale_conformance.goldens import candidates as cs
from upscale_conformance.goldens import history
from upscale_conformance.goldens.document import Golden
from upscale_conformance.report.review import heat_map
from upscale_conformance.running.runner import RunSettings


def golden(name: str, bands: dict[str, float], when: str = "2026-01-01T00:00:00Z") -> Golden:
    stem = Path(name).stem
    return Golden(name, "0" * 64, "local", "p", "ai.fast", NEW_FAST_MODEL, {"width": 4, "height": 4}, {},
                  f"{stem}.thumb.png", {"detail": {"file": f"{stem}.detail.png", "box": [0, 0, 4, 4]},
                                        "flat": {"file": f"{stem}.flat.png", "box": [0, 0, 4, 4]}},
                  bands, when, {"target": "local", "tool": "t"})


def write(root: Path, key: gs.GoldenKey, doc: Golden, shade: int) -> None:
    folder = key.folder(root)
    folder.mkdir(parents=True, exist_ok=True)
    key.json_path(root).write_text(doc.to_json())
    for name in (key.thumb_name, key.detail_name, key.flat_name):
        Image.new("RGB", (8, 8), (shade,) * 3).save(folder / name)


def candidate(tmp_path: Path, name: str, mode: str, version: str | None, before: dict, after: dict,
              failing: tuple[str, ...] = ("band_4_8",)) -> cs.Candidate:
    key = gs.GoldenKey("local", "p", gs.Combo(mode, version), name)
    write(tmp_path / "store", key, golden(name, before), 10)
    write(tmp_path / "cand", key, golden(name, after, "2026-02-02T00:00:00Z"), 200)
    verdict = {"golden_path": str(key.json_path(tmp_path / "store")), "golden_dir": str(tmp_path / "store"),
               "metrics": [{"name": m, "status": "fail"} for m in failing]}
    return cs.Candidate(key, golden(name, after), key.folder(tmp_path / "cand"), verdict)


BANDS = {"4-8": 100.0, "2-4": 50.0, "1-2": 10.0}


def scaled(factor: float) -> dict[str, float]:
    return {k: v * factor for k, v in BANDS.items()}


def test_one_change_across_inputs_is_one_group_and_ids_are_stable(tmp_path):
    th = gs.load_thresholds()
    found = [candidate(tmp_path, "a.png", "ai.fast", NEW_FAST_MODEL, BANDS, scaled(1.3)),
             candidate(tmp_path, "b.png", "ai.fast", NEW_FAST_MODEL, BANDS, scaled(2.0)),  # more, same way
             candidate(tmp_path, "c.png", "ai.slow", None, BANDS, scaled(0.5)),
             candidate(tmp_path, "d.png", "ai.fast", NEW_FAST_MODEL, BANDS, BANDS, ("colour_shift",))]
    grouped = cs.groups(found, th)
    assert [sorted(c.key.input_name for c in g.members) for g in grouped] == [["a.png", "b.png"], ["d.png"], ["c.png"]]
    assert "sharper" in grouped[0].label and "softer" in grouped[2].label and "colour_shift" in grouped[1].label
    assert [g.id for g in cs.groups(list(reversed(found)), th)] == [g.id for g in grouped]
    # The same movement in another mode-and-model is another group.
    assert cs.group_id("ai.slow", grouped[0].moved) != grouped[0].id


def test_approve_keeps_the_old_baseline_and_revert_goes_back_one(tmp_path):
    c = candidate(tmp_path, "a.png", "ai.fast", NEW_FAST_MODEL, BANDS, scaled(2.0))
    root = tmp_path / "store"
    old = c.key.json_path(root).read_text()
    assert history.approve(root, c, {"run": "r1", "reason": "new model", "at": "now", "tool": "t"}) == 1
    assert json.loads(c.key.json_path(root).read_text())["approved"]["reason"] == "new model"
    assert (history.history_dir(root, c.key) / "1" / "a.json").read_text() == old
    assert Image.open(c.key.folder(root) / "a.thumb.png").getpixel((0, 0)) == (200, 200, 200)
    assert [b.label for b in history.baselines(root, c.key)] == ["current", "1"]
    assert history.revert(root, c.key) == 1
    assert c.key.json_path(root).read_text() == old
    assert Image.open(c.key.folder(root) / "a.thumb.png").getpixel((0, 0)) == (10, 10, 10)
    labels = [(b.label, bool(b.golden.approved)) for b in history.baselines(root, c.key)]
    assert labels == [("current", False), ("reverted/1", True)]  # nothing deleted
    assert history.revert(root, c.key) is None
    # History is never a golden to check nor an unused file to prune.
    assert all(".history" not in str(p) for p in gs.GoldenStore(root).files("local", "p"))


def test_provenance_never_counts_as_a_change_of_the_answer():
    doc = golden("a.png", BANDS)
    approved = Golden.from_json(doc.to_json().replace('"bands"', '"approved": {"reason": "r"}, "bands"'))
    assert approved.approved == {"reason": "r"} and approved.content() == doc.content()
    assert "approved" not in doc.to_json()  # earlier documents are written as they were


def test_goldens_of_one_model_version_are_never_those_of_another():
    keys = {gs.GoldenKey("local", "p", c, "a.png").json_path(Path("g")) for c in gs.combos_for(load_profile(None))}
    assert len(keys) == len(gs.combos_for(load_profile(None)))
    assert gs.GoldenKey("local", "p", gs.Combo("ai.fast", NEW_FAST_MODEL), "a.png").folder(Path("g")).name == \
        f"ai.fast+{NEW_FAST_MODEL}"
    assert gs.GoldenKey("local", "p", gs.Combo("ai.fast"), "a.png").folder(Path("g")).name == "ai.fast"


def test_the_heat_map_points_at_the_changed_tile():
    base = Image.new("RGB", (64, 64), (100, 100, 100))
    changed = base.copy()
    changed.paste((200, 200, 200), (48, 0, 56, 8))
    png, peak = heat_map(base, changed)
    heat = Image.open(__import__("io").BytesIO(png)).convert("RGB")
    assert peak == 100.0 and heat.getpixel((52, 4))[0] > 200 and heat.getpixel((4, 60))[0] < 100


def test_run_golden_dir_reaches_the_suites(tmp_path):
    settings = RunSettings("local", load_profile(None), economy=False, golden_target="local", golden_dir=tmp_path / "g")
    args = settings.suite_options()
    assert args[args.index("--upscale-golden-dir") + 1] == str((tmp_path / "g").resolve())
    assert "--upscale-golden-dir" not in RunSettings("local", load_profile(None), economy=False,
                                                     golden_target="local").suite_options()


def report_with(tmp_path: Path, names: tuple[str, ...]) -> Path:
    """A report folder holding a candidate of each input (bands doubled) against a golden of the store."""
    report = tmp_path / "reports" / "r1"
    for name in names:
        c = candidate(tmp_path, name, "ai.fast", NEW_FAST_MODEL, BANDS, scaled(2.0))
        write(report / cs.CANDIDATES, c.key, c.golden, 200)
        verdict = {**c.verdict, "key": {"target": "local", "profile": "p", "mode": "ai.fast",
                                        "model_version": NEW_FAST_MODEL, "input": name}}
        path = c.key.json_path(report / cs.VERDICTS)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(verdict))
    return report


def test_approval_writes_what_was_chosen_with_its_reason_and_keeps_the_old_baseline(tmp_path):
    from upscale_conformance.goldens.approval import approve

    report = report_with(tmp_path, ("a.png", "b.png"))
    (done,) = approve(report, "the vendor's new model", inputs=("b.png",))
    assert (done.candidate.key.input_name, done.root, done.kept) == ("b.png", tmp_path / "store", 1)
    approved = json.loads(done.candidate.key.json_path(tmp_path / "store").read_text())["approved"]
    assert approved["reason"] == "the vendor's new model" and approved["run"] == "r1"
    a = gs.GoldenKey("local", "p", gs.Combo("ai.fast", NEW_FAST_MODEL), "a.png")
    assert [b.label for b in history.baselines(tmp_path / "store", a)] == ["current"]  # not chosen: untouched
    assert [c.candidate.key.input_name for c in approve(report, "all", everything=True,
                                                        golden_dir=tmp_path / "other")] == ["a.png", "b.png"]


def test_approval_refuses_what_it_cannot_do_before_writing_anything(tmp_path):
    import pytest

    from upscale_conformance.goldens.approval import Refused, approve
    from upscale_conformance.goldens.job import GoldensUsage

    report = report_with(tmp_path, ("a.png",))
    before = sorted(p.name for p in (tmp_path / "store").rglob("*"))
    for asked, says in [({}, "say what to approve"), ({"everything": True, "reason": " "}, "--reason must say why"),
                        ({"group_ids": ("nope",)}, "no group nope in"),
                        ({"inputs": ("z.png",)}, "no candidate matches")]:
        with pytest.raises(GoldensUsage, match=says):
            approve(report, **{"reason": "r", **asked})
    with pytest.raises(GoldensUsage, match="no golden candidates"):
        approve(tmp_path, "r", everything=True)
    (report / "summary.json").write_text(json.dumps({"clauses": {"DIM-4X": {"verdict": "FAIL"},
                                                                 "PERCEPTUAL-REGRESSION": {"verdict": "FAIL"}}}))
    with pytest.raises(Refused, match="the run also failed DIM-4X;"):
        approve(report, "r", everything=True)
    assert sorted(p.name for p in (tmp_path / "store").rglob("*")) == before
    assert approve(report, "r", everything=True, force=True)[0].kept == 1


def test_revert_each_goes_back_one_for_the_goldens_named(tmp_path):
    from upscale_conformance.goldens.approval import approve

    approve(report_with(tmp_path, ("a.png", "b.png")), "r", everything=True)
    root = tmp_path / "store"
    assert [(k.input_name, n) for k, n in history.revert_each(root, "local", "p", ("a.png",))] == [("a.png", 1)]
    assert [(k.input_name, n) for k, n in history.revert_each(root, "local", "p")] == [("b.png", 1)]
    assert history.revert_each(root, "local", "p") == []
