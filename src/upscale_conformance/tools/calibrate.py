"""Calibrate the regression thresholds: ``python -m upscale_conformance.tools.calibrate``.

Measures, on the fixture inputs and against the reference server, the distance between a golden
and a candidate for scenarios that must pass ("same model": a rerun, another export format) and
scenarios that must fail ("differs": another engine, the wrong ai.fast model answering, planted
quality faults). It then judges every case with the thresholds of ``contracts/perceptual.yaml``
and writes the table, with margins, into ``docs/perceptual.md`` between the calibration markers.

Exit 0 when the thresholds separate the two groups, 1 when a case lands on the wrong side.
The thresholds themselves are chosen by a person from this table: the script never edits them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from PIL import Image

from .. import data
from .. import goldens as gs
from .. import perceptual as pc
from ..client import UpscaleClient, UpscaleResult
from ..contract import NEW_FAST_MODEL, Profile, load_profile

BEGIN, END = "<!-- calibration:begin -->", "<!-- calibration:end -->"
NEW = gs.Combo("ai.fast", NEW_FAST_MODEL)
CLASSIC, SLOW = gs.Combo("ai.fast"), gs.Combo("ai.slow")


@dataclass(frozen=True)
class Scenario:
    """One row of the table: which server answers the candidate, and against which golden."""

    name: str
    expect: str  # "same" (must not fail), "differs" (must fail), "probe" (below resolution: reported only)
    faults: dict = field(default_factory=dict)  # Faults fields for the candidate's server
    export_format: str | None = None
    pairs: tuple[tuple[gs.Combo, gs.Combo], ...] = ()  # (golden combo, candidate combo); empty: each with itself


SCENARIOS = (
    Scenario("rerun (same engine, same request)", "same"),
    Scenario("export WebP q90 vs PNG", "same", export_format="webp"),
    Scenario("export AVIF q90 vs PNG", "same", export_format="avif"),
    Scenario("export JPEG q80 vs PNG", "same", export_format="jpeg"),
    Scenario("engine: classic ai.fast vs new ai.fast", "differs", pairs=((CLASSIC, NEW), (NEW, CLASSIC))),
    Scenario("engine: classic ai.fast vs ai.slow", "differs", pairs=((CLASSIC, SLOW), (SLOW, CLASSIC))),
    Scenario("engine: new ai.fast vs ai.slow", "differs", pairs=((NEW, SLOW), (SLOW, NEW))),
    Scenario("fault: model header ignored (classic answers for new)", "differs",
             faults={"ignore_model_header": True}, pairs=((NEW, NEW),)),
    Scenario("fault: blur sigma 1 px", "differs", faults={"blur": 1.0}),
    Scenario("fault: blur sigma 2 px", "differs", faults={"blur": 2.0}),
    Scenario("fault: noise sigma 2", "probe", faults={"noise": 2.0}),
    Scenario("fault: noise sigma 4", "differs", faults={"noise": 4.0}),
    Scenario("fault: colour cast (+3, 0, -3)", "differs", faults={"colour_cast": (3, 0, -3)}),
    Scenario("fault: colour cast (+6, 0, -6)", "differs", faults={"colour_cast": (6, 0, -6)}),
    Scenario("fault: JPEG quality collapse (q5)", "differs", faults={"jpeg_quality_collapse": True}),
)


@dataclass
class Case:
    scenario: str
    expect: str
    input: str
    golden: str
    candidate: str
    status: str  # pass | warn | fail | no-op (the candidate is byte-identical where a change was planted)
    distances: dict[str, float]
    portable: str = "ok"  # the golden-free verdict on the candidate alone
    note: str = ""

    @property
    def correct(self) -> bool:
        if self.status == "no-op" or self.expect == "probe":
            return True
        return self.status != "fail" if self.expect == "same" else self.status == "fail"


# --- measuring --------------------------------------------------------------------------------------


@dataclass
class Answer:
    sha256: str
    signature: pc.Signature
    has_alpha: bool
    portable: str  # "ok" or the defect the portable check names


def _answer(result: UpscaleResult, input_im: Image.Image, thresholds: gs.Thresholds) -> Answer:
    if result.status != 200 or result.image is None:
        raise RuntimeError(f"the reference server answered {result.status}: {result.content[:200]!r}")
    out = pc.open_image(result.image)
    portable = gs.portable_check(input_im, out, thresholds)
    return Answer(gs.sha256_hex(result.content), pc.signature(input_im, out), pc.has_alpha(out),
                  "ok" if portable.ok else str(portable.defect))


@contextmanager
def _client(profile: Profile, faults: dict) -> Iterator[UpscaleClient]:
    from ..server import Faults
    from ..session import open_session

    with open_session("local", profile, faults=Faults(**faults) if faults else None) as session:
        yield session.client


def measure(profile: Profile, inputs: list[Path], scenarios=SCENARIOS,
            progress: Callable[[str], None] = lambda s: None) -> list[Case]:
    """Run every scenario; the goldens are the clean server's PNG answers."""
    thresholds = gs.load_thresholds()
    images = {p.name: (p.read_bytes(), pc.open_image(p.read_bytes())) for p in inputs}
    combos = gs.combos_for(profile)
    golden: dict[tuple[str, str], Answer] = {}
    with _client(profile, {}) as client:
        for name, (data, im) in images.items():
            for combo in combos:
                progress(f"goldens {name} [{combo.slug}]")
                golden[name, combo.slug] = _answer(gs.upscale(client, data, name, combo), im, thresholds)
    formats = set(profile.export_formats)
    cases = []
    for sc in scenarios:
        if sc.export_format and sc.export_format not in formats:
            continue
        pairs = sc.pairs or tuple((c, c) for c in combos)
        needs_calls = bool(sc.faults or sc.export_format or not sc.pairs)
        with _client(profile, sc.faults) if needs_calls else _nothing() as client:
            for name, (data, im) in images.items():
                for g_combo, c_combo in pairs:
                    progress(f"{sc.name}: {name} [{c_combo.slug}]")
                    if client is None:  # engine against engine: both answers are already in hand
                        cand = golden[name, c_combo.slug]
                    else:
                        cand = _answer(gs.upscale(client, data, name, c_combo, sc.export_format), im, thresholds)
                    gold = golden[name, g_combo.slug]
                    cases.append(_case(sc, name, g_combo, c_combo, gold, cand, thresholds))
    return cases


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def _case(sc: Scenario, name: str, g_combo: gs.Combo, c_combo: gs.Combo, gold: Answer, cand: Answer,
          thresholds: gs.Thresholds) -> Case:
    distances = pc.signature_distances(gold.signature, cand.signature)
    status, _ = gs.judge(distances, thresholds)
    expect, note = sc.expect, ""
    if sc.expect != "same" and gold.sha256 == cand.sha256:
        status, note = "no-op", "byte-identical: the fault changes nothing on this input"
    if sc.export_format == "jpeg" and gold.has_alpha:
        expect, note = "differs", "JPEG has no alpha: the picture over a background changes"
    return Case(sc.name, expect, name, g_combo.slug, c_combo.slug, status, distances, cand.portable, note)


# --- the report ---------------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    return f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"


def _tightest(case: Case, thresholds: gs.Thresholds) -> tuple[str, float]:
    """The judged metric nearest its fail threshold (same) or furthest past it (differs)."""
    loads = {m: limit.severity(case.distances[m]) for m, limit in thresholds.regression.items()}
    metric = max(loads, key=loads.get)
    return metric, loads[metric]


def _label(case: Case) -> str:
    expected = next((sc.expect for sc in SCENARIOS if sc.name == case.scenario), case.expect)
    return case.scenario + (" (alpha input)" if case.expect != expected else "")


def summary_rows(cases: list[Case], thresholds: gs.Thresholds) -> list[list[str]]:
    rows = []
    for scenario in dict.fromkeys(c.scenario for c in cases):
        group = [c for c in cases if c.scenario == scenario]
        for expect in ("same", "differs", "probe"):
            part = [c for c in group if c.expect == expect]
            if not part:
                continue
            judged = [c for c in part if c.status != "no-op"]
            counts = {s: sum(c.status == s for c in part) for s in ("pass", "warn", "fail", "no-op")}
            ok = "-" if expect == "probe" else "yes" if all(c.correct for c in part) else "**NO**"
            if judged:
                if expect == "same":  # the case closest to failing
                    case = max(judged, key=lambda c: _tightest(c, thresholds)[1])
                else:  # the case caught by the smallest margin
                    case = min(judged, key=lambda c: _tightest(c, thresholds)[1])
                metric, load = _tightest(case, thresholds)
                tight = (f"{metric} {_fmt(case.distances[metric])} = {load:.0%} of fail "
                         f"({case.input}, {case.candidate})")
            else:
                tight = "-"
            rows.append([_label(part[0]), expect, str(len(part)), str(counts["pass"]), str(counts["warn"]),
                         str(counts["fail"]), str(counts["no-op"]), ok, tight])
    return rows


def metric_rows(cases: list[Case], thresholds: gs.Thresholds) -> list[list[str]]:
    """Per scenario and metric: the range of measured values (no-op cases left out)."""
    metrics = list(thresholds.regression)
    rows = []
    for scenario in dict.fromkeys(c.scenario for c in cases):
        for expect in ("same", "differs", "probe"):
            part = [c for c in cases if c.scenario == scenario and c.expect == expect and c.status != "no-op"]
            if part:
                cells = [f"{_fmt(min(c.distances[m] for c in part))}-{_fmt(max(c.distances[m] for c in part))}"
                         for m in metrics]
                rows.append([_label(part[0]), expect, *cells])
    return rows


def margin_rows(cases: list[Case], thresholds: gs.Thresholds) -> list[list[str]]:
    """Per judged metric: thresholds, the worst same-model value, and the headroom to fail."""
    rows = []
    for name, limit in thresholds.regression.items():
        same = [c.distances[name] for c in cases if c.expect == "same"]
        worst = (min if limit.higher_is_better else max)(same) if same else float("nan")
        load = limit.severity(worst) if same else float("nan")
        caught = sum(1 for c in cases if c.expect == "differs" and c.status != "no-op"
                     and limit.status(c.distances[name]) == "fail")
        rows.append([name, "higher" if limit.higher_is_better else "lower", f"{limit.warn:g}", f"{limit.fail:g}",
                     _fmt(worst), f"{load:.0%}", str(caught)])
    return rows


def portable_rows(cases: list[Case]) -> list[list[str]]:
    """Per scenario: how the golden-free check judged the candidates, and which defects it named."""
    rows = []
    for scenario in dict.fromkeys(c.scenario for c in cases):
        part = [c for c in cases if c.scenario == scenario]
        defects: dict[str, int] = {}
        for c in part:
            if c.portable != "ok":
                defects[c.portable] = defects.get(c.portable, 0) + 1
        named = ", ".join(f"{d} x{n}" for d, n in sorted(defects.items())) or "-"
        rows.append([scenario, str(len(part)), str(sum(c.portable == "ok" for c in part)), named])
    return rows


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def render(cases: list[Case], thresholds: gs.Thresholds, profile: Profile, n_inputs: int) -> str:
    wrong = [c for c in cases if not c.correct]
    verdict = ("The thresholds separate every case." if not wrong else
               f"**{len(wrong)} case(s) land on the wrong side**: "
               + "; ".join(f"{c.scenario} / {c.input} [{c.candidate}]: {c.status}" for c in wrong[:8]))
    grouped: dict[tuple[str, str], list[str]] = {}
    for c in cases:
        if c.note:
            names = grouped.setdefault((c.scenario, c.note), [])
            if c.input not in names:
                names.append(c.input)
    notes = [f"{scenario}: {note} ({', '.join(names)})" for (scenario, note), names in grouped.items()]
    parts = [
        BEGIN,
        f"Generated by `python -m upscale_conformance.tools.calibrate` against the reference server "
        f"(profile `{profile.id}`, {n_inputs} inputs from `fixtures/inputs/`, every mode-and-model), "
        f"judged with `{Path(thresholds.path).name}`. {verdict}",
        "",
        "**Verdicts per scenario.** *expect*: `same` must not fail, `differs` must fail, `probe` is below "
        "the metrics' resolution on purpose and only reported. *tightest*: for "
        "`same`, the judged metric closest to its fail threshold (100 % = fails); for `differs`, the "
        "weakest catch (the case whose most-failed metric is least past its threshold).",
        "",
        _table(["scenario", "expect", "cases", "pass", "warn", "fail", "no-op", "separated", "tightest"],
               summary_rows(cases, thresholds)),
        "",
        "**Thresholds and margins.** *same worst*: the worst value any `same` case measured; *load*: that "
        "value as a share of the fail threshold (for similarities, of 1 - threshold); *catches*: `differs` "
        "cases this metric fails on its own.",
        "",
        _table(["metric", "better", "warn", "fail", "same worst", "load", "catches"], margin_rows(cases, thresholds)),
        "",
        "**Measured ranges** (min-max over inputs and modes; no-op cases left out).",
        "",
        _table(["scenario", "expect", *thresholds.regression], metric_rows(cases, thresholds)),
    ]
    parts += [
        "",
        "**The portable (golden-free) verdict on the same candidates** (`PERCEPTUAL-PORTABLE`; it knows no "
        "golden, so it can only name defects an honest upscaler never shows).",
        "",
        _table(["scenario", "cases", "portable ok", "defects named"], portable_rows(cases)),
    ]
    if notes:
        parts += ["", "Notes:", "", *[f"- {n}" for n in notes]]
    parts.append(END)
    return "\n".join(parts)


def write_doc(doc: Path, block: str) -> None:
    """Replace the block between the markers; create a minimal document if there is none."""
    text = doc.read_text(encoding="utf-8") if doc.is_file() else "# Perceptual goldens\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Calibration\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m upscale_conformance.tools.calibrate",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default=None, help="contract profile (default: the default profile)")
    parser.add_argument("--inputs", type=Path, default=None, help="input folder (default: fixtures/inputs)")
    parser.add_argument("--doc", type=Path, default=(data.checkout() or Path.cwd()) / "docs" / "perceptual.md",
                        help="the calibration document (default: the checkout's docs/perceptual.md)")
    parser.add_argument("--json", type=Path, default=Path("reports/calibration.json"),
                        help="raw measurements (default: reports/calibration.json)")
    parser.add_argument("--no-doc", action="store_true", help="print the table instead of writing the doc")
    args = parser.parse_args(argv)
    profile = load_profile(args.profile)
    inputs = gs.list_inputs(args.inputs)
    thresholds = gs.load_thresholds()
    counter = {"n": 0}

    def progress(label: str) -> None:
        counter["n"] += 1
        if counter["n"] % 25 == 0:
            print(f"  {counter['n']} cases... ({label})", file=sys.stderr)

    cases = measure(profile, inputs, progress=progress)
    block = render(cases, thresholds, profile, len(inputs))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps([asdict(c) for c in cases], indent=1))
    if args.no_doc:
        print(block)
    else:
        write_doc(args.doc, block)
        print(f"calibration table written to {args.doc} (raw: {args.json})")
    return 0 if all(c.correct for c in cases) else 1


if __name__ == "__main__":
    sys.exit(main())

