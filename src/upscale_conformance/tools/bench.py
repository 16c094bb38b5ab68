"""``make bench``: timings that matter to the project, each section measured side by side in one run.

A section is a function returning a :class:`Section` (a title, rows, and a verdict line); add one
to :data:`BENCHES` and ``python -m upscale_conformance.tools.bench`` prints it as a table.

The first section asks whether the reference server is fast enough to run suites on: its
end-to-end time for a 1 MP -> 16 MP PNG request (ai.fast, over HTTP) divided by the best
in-process pipeline for the same image (the same Pillow resize plus the fpng writer). A naive
server (the same resize, PNG at Pillow's default compression) is shown for context.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import click
import fpng
import httpx
import numpy as np
from PIL import Image
from rich.console import Console
from rich.table import Table

from ..client.target import DEFAULT_TIMEOUT

SERVER_TARGET_RATIO = 1.3


@dataclass(frozen=True)
class Row:
    name: str
    times: tuple[float, ...]  # seconds, one per round
    note: str = ""

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[Row]
    baseline: str  # name of the row the ratios divide by
    verdict: str = ""
    notes: list[str] = field(default_factory=list)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


# --- section: the reference server's PNG overhead --------------------------------------------------


def bench_image(side: int = 1000) -> Image.Image:
    """A photograph, not a flat test card: PNG cost depends on content."""
    from skimage import data

    return Image.fromarray(data.astronaut()).resize((side, side), Image.Resampling.LANCZOS)


def server_png_overhead(rounds: int = 7, naive_rounds: int = 2) -> Section:
    from ..server import engines, serve_in_subprocess, serve_in_thread

    picture = bench_image()
    buf = io.BytesIO()
    picture.save(buf, "PNG")
    upload = buf.getvalue()

    def fpng_pipeline() -> bytes:
        return fpng.from_pil(engines.CLASSIC_FAST.upscale(picture))

    def naive_pipeline() -> bytes:
        out = io.BytesIO()
        engines.CLASSIC_FAST.upscale(picture).save(out, "PNG")
        return out.getvalue()

    def request(client: httpx.Client) -> Callable[[], bytes]:
        def send() -> bytes:
            r = client.post("/v2/edit", headers={"x-api-key": "bench"},
                            data={"referenceBox": "originalImage", "removeBackground": "false",
                                  "upscale.mode": "ai.fast"},
                            files={"imageFile": ("bench.png", upload, "image/png")})
            r.raise_for_status()
            return r.content
        return send

    times: dict[str, list[float]] = {"sub": [], "thread": [], "fpng": [], "naive": []}
    sizes: dict[str, int] = {}
    with serve_in_subprocess() as sub_url, serve_in_thread() as thread_url, \
            httpx.Client(base_url=sub_url, timeout=DEFAULT_TIMEOUT) as sub, \
                httpx.Client(base_url=thread_url, timeout=DEFAULT_TIMEOUT) as thr:
        jobs = {"sub": request(sub), "thread": request(thr), "fpng": fpng_pipeline}
        reference = fpng_pipeline()
        served = jobs["sub"]()  # warm-up, and proof that the server does the same work
        _check_same_pixels(served, reference)
        for _ in range(rounds):  # interleaved, so a slow moment of the machine hits every row alike
            for name, job in jobs.items():
                elapsed, out = timed(job)
                times[name].append(elapsed)
                sizes[name] = len(out)
        for _ in range(naive_rounds):
            elapsed, out = timed(naive_pipeline)
            times["naive"].append(elapsed)
            sizes["naive"] = len(out)
    rows = [
        Row("in-process: resize + fpng", tuple(times["fpng"]), f"{sizes['fpng']:,} B"),
        Row("server, child process", tuple(times["sub"]), f"{sizes['sub']:,} B"),
        Row("server, thread", tuple(times["thread"]), f"{sizes['thread']:,} B"),
        Row("naive: resize + Pillow PNG", tuple(times["naive"]), f"{sizes['naive']:,} B"),
    ]
    ratio = rows[1].best / rows[0].best
    ok = "within" if ratio <= SERVER_TARGET_RATIO else "OVER"
    verdict = (f"server / fpng pipeline = {ratio:.2f} (best of {rounds}; target <= {SERVER_TARGET_RATIO}: {ok}); "
               f"naive / server = {rows[3].best / rows[1].best:.1f}x")
    return Section("Reference server: 1000x1000 PNG -> 4000x4000 PNG, ai.fast", rows, rows[0].name, verdict,
                   ["resize: Pillow bicubic (the classic ai.fast engine); server: POST over HTTP with httpx, "
                    "end to end; naive: Pillow PNG at its default compression",
                    f"upload {len(upload):,} B; {rounds} interleaved rounds, naive {naive_rounds} rounds"])


def _check_same_pixels(served: bytes, reference: bytes) -> None:
    a, b = (np.asarray(Image.open(io.BytesIO(x))) for x in (served, reference))
    if a.shape != b.shape or not np.array_equal(a, b):
        raise RuntimeError("the server's answer differs from the in-process pipeline: the bench compares unlike work")


# --- the suite's own overhead --------------------------------------------------------------------

SUITE_OVERHEAD_TARGET = 0.25
RUN_WALL_TARGETS = {"quick": 45.0, "default": 180.0}


def _suite_run(kind: str) -> Section:
    """One `upscale-conformance run --target local` in a child process, split into where its time went.

    "waiting on the target" is the sum of the client's request times (the server's work and the
    transfer); the rest of the tests' time is the suite's own: generating and encoding inputs,
    decoding outputs, running the checks.
    """
    import json
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as reports:
        cmd = [sys.executable, "-m", "upscale_conformance", "run", "--target", "local", "--report-dir", reports]
        wall, done = timed(lambda: subprocess.run(cmd + (["--quick"] if kind == "quick" else []),
                                                  capture_output=True, text=True))
        summary_file = Path(reports) / "latest" / "summary.json"
        if not summary_file.is_file():
            raise RuntimeError(f"the {kind} run wrote no summary:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        summary = json.loads(summary_file.read_text())
    tests, target = summary["test_seconds"], summary["target_seconds"]
    overhead = tests - target
    rows = [Row("whole run (wall)", (wall,)), Row("tests", (tests,)), Row("waiting on the target", (target,)),
            Row("suite overhead (generation, decoding, checks)", (overhead,)),
            Row("start-up, server start, report", (wall - tests,))]
    share, limit = overhead / wall, RUN_WALL_TARGETS[kind]
    verdict = (f"{kind} run: {wall:.1f} s (target <= {limit:.0f} s: {'within' if wall <= limit else 'OVER'}); "
               f"suite overhead {share:.0%} of wall (target <= {SUITE_OVERHEAD_TARGET:.0%}: "
               f"{'within' if share <= SUITE_OVERHEAD_TARGET else 'OVER'}); verdict {summary['verdict']}, "
               f"{summary['calls_spent']} calls")
    return Section(f"upscale-conformance run --target local{' --quick' if kind == 'quick' else ''}", rows,
                   baseline="whole run (wall)", verdict=verdict)


def suite_overhead_quick() -> Section:
    return _suite_run("quick")


def suite_overhead_default() -> Section:
    return _suite_run("default")


# --- the reference server under load (issue 14, item 3) --------------------------------------------

LOAD_REQUESTS = 200
LOAD_PIXELS = (250_000, 1_000_000)  # 0.25-1 MP inputs (ai.slow's clamped to its 262,144-pixel limit)
LOAD_CONCURRENCY = (8, 32)
LOAD_RSS_TARGET_MB = 2048


def _peak_rss_mb(pid: int | None) -> float | None:
    """The process's peak resident set (VmHWM) in MB, from /proc (None where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def server_under_load() -> Section:
    """`upscale-conformance load` (Locust, 2 worker processes, every answer judged) against a fresh
    reference server per phase: 200 requests of 0.25-1 MP at 8, then 32 in flight."""
    import json
    import tempfile
    from pathlib import Path

    from ..client.secret import Secret
    from ..contract import load_profile
    from ..load.launch import LoadSettings, run_load
    from ..server import serve_in_subprocess

    rows, checks, notes = [], [], []
    key = "bench-load-key"
    for concurrency in LOAD_CONCURRENCY:
        with serve_in_subprocess(api_key=key) as url, tempfile.TemporaryDirectory() as out:
            settings = LoadSettings(url, load_profile(None), concurrency, LOAD_REQUESTS, workers=2,
                                    pixels=LOAD_PIXELS, timeout=300.0, api_key=Secret(key))
            code = run_load(settings, Path(out), say=lambda _line: None)
            rss = _peak_rss_mb(url.pid)
            report = json.loads(next(Path(out).glob("load-*/load.json")).read_text())
        lat, statuses = report["latency_seconds"].get("all", {}), report["answers_by_status"]
        five = sum(n for s, n in statuses.items() if s.isdigit() and int(s) >= 500)
        shown = ", ".join(f"{s}: {n}" for s, n in statuses.items())
        rss_text = f"{rss:.0f} MB" if rss is not None else "unknown"
        rows.append(Row(f"{concurrency} in flight: p50 latency", (lat.get("p50", 0.0),)))
        rows.append(Row(f"{concurrency} in flight: p95 latency", (lat.get("p95", 0.0),),
                        f"{report['throughput_per_second']:.2f} answers/s; server peak RSS {rss_text}"))
        notes.append(f"{concurrency} in flight: answers by status {shown}; no answer {report['no_answer']}; "
                     f"violations {len(report['violations'])}; {report['seconds']:.1f} s; load exit {code}")
        ok_rss = rss is not None and rss <= LOAD_RSS_TARGET_MB
        if concurrency == LOAD_CONCURRENCY[0]:
            checks.append(("every answer 200" if statuses == {"200": LOAD_REQUESTS} else "NOT every answer 200")
                          + f" at {concurrency}")
        else:
            fine = report["no_answer"] == 0 and five == 0
            checks.append(f"{'0' if fine else 'SOME'} errors and 5xx at {concurrency}")
        checks.append(f"RSS {rss_text} at {concurrency} ({'within' if ok_rss else 'OVER'} {LOAD_RSS_TARGET_MB} MB)")
    return Section(f"Reference server under load: {LOAD_REQUESTS} requests of 0.25-1 MP, "
                   f"{' then '.join(map(str, LOAD_CONCURRENCY))} in flight", rows, rows[0].name,
                   "; ".join(checks), notes)


# --- the results store and the history page (issue 20) ----------------------------------------------

HISTORY_RUNS, HISTORY_CLAUSES = 1_000, 40
HISTORY_SHOW_TARGET = 5.0  # seconds for `history show` over HISTORY_RUNS runs
RECORD_SHARE_TARGET = 0.01  # recording a run's summary, against the wall time of a local run --quick


def _synthetic_history(store, runs: int = HISTORY_RUNS, clauses: int = HISTORY_CLAUSES) -> None:
    """``runs`` runs of 4 targets x 2 model versions over the last 25 days, each clause failing now and
    then (seeded), and a monitor run a day: a busy team's month."""
    import json
    import random
    from datetime import UTC, datetime, timedelta

    from ..history.records import ClauseResult, Finding, LimitSeen, Recorded, Run

    rng = random.Random(20)
    start = datetime.now(UTC) - timedelta(days=25)
    names = [f"CLAUSE-{i:02d}" for i in range(clauses)]
    for i in range(runs):
        when = (start + timedelta(minutes=36 * i)).isoformat(timespec="seconds")
        verdicts = {c: "FAIL" if rng.random() < .03 else "PASS" for c in names}
        run = Run(f"bench-{i:05d}", "run", when, when, f"https://target-{i % 4}.example", profile="pixel-budget-2026",
                  tool="upscale-conformance 0.1.0", model_versions=(f"{i % 2 + 1}",), calls=60, billable=40,
                  exit_code=int("FAIL" in verdicts.values()))
        store.add(Recorded(run, [ClauseResult(c, "must", v, 3, 3, 3) for c, v in verdicts.items()],
                           [Finding(c, "bench_code", "ai.fast") for c, v in verdicts.items() if v == "FAIL"]))
    for day in range(25):
        when = (start + timedelta(days=day)).isoformat(timespec="seconds")
        finding = {"kind": "pixels", "max_pixels": 4_194_304 - (day // 10) * 100_000, "exact": True}
        store.add(Recorded(Run(f"bench-monitor-{day}", "monitor", when, when, "https://target-0.example"),
                           limits=[LimitSeen("ai.fast", json.dumps(finding))]))


def history_views(rounds: int = 3) -> Section:
    """`history show` over 1,000 runs of 40 clauses (the command, as a user runs it), and recording one
    run's summary into the store as `run` pays for it, against a default local run's wall time, both here."""
    import json
    import subprocess
    import tempfile
    from pathlib import Path

    from ..history.store import Store
    from ..report.history_page import write_history_page

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'bench.sqlite'}"
        fill, _ = timed(lambda: _synthetic_history(Store(url)))
        show = [sys.executable, "-m", "upscale_conformance", "history", "show", "--history", url,
                "--out", str(work / "history")]
        command, in_process = [], []
        for _ in range(rounds):
            elapsed, done = timed(lambda: subprocess.run(show, capture_output=True, text=True))
            if done.returncode != 0:
                raise RuntimeError(f"history show failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
            command.append(elapsed)
            in_process.append(timed(lambda: write_history_page(Store(url), work / "in-process", None))[0])
        size = (work / "history" / "index.html").stat().st_size

        # The default local run (what `make run` does), and recording its summary as `run` pays for it: in a
        # process that has loaded the command (as `run` has) but not SQLAlchemy, which recording imports.
        run = [sys.executable, "-m", "upscale_conformance", "run", "--target", "local",
               "--report-dir", str(work / "reports")]
        env = {**os.environ, "UPSCALE_HISTORY": f"sqlite:///{work / 'r.sqlite'}"}
        wall, done = timed(lambda: subprocess.run(run, capture_output=True, text=True, env=env))
        summary_file = work / "reports" / "latest" / "summary.json"
        if not summary_file.is_file():
            raise RuntimeError(f"the local run wrote no summary:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        summary = json.loads(summary_file.read_text())
        probe = ("import sys, time; import upscale_conformance.cli.app; from upscale_conformance.history.recording "
                 "import record; t = time.perf_counter(); ok = record(__import__('pathlib').Path(sys.argv[1]), "
                 "sys.argv[2]); print(time.perf_counter() - t if ok else -1)")
        first, record = [], []
        for i in range(rounds):
            url_i = f"sqlite:///{work / f'record-{i}.sqlite'}"
            for into in (first, record):  # a new store (its schema created), then the same store again
                out = subprocess.run([sys.executable, "-c", probe, str(summary_file), url_i], capture_output=True,
                                     text=True)
                seconds = float(out.stdout.strip() or -1)
                if seconds < 0:
                    raise RuntimeError(f"recording failed:\n{out.stdout[-2000:]}{out.stderr[-2000:]}")
                into.append(seconds)
    rows = [Row("local run, default depth (wall)", (wall,), f"verdict {summary['verdict']}, "
                                                            f"{summary['calls_spent']} calls"),
            Row("record it: a new store (schema created)", tuple(first),
                "fresh process: SQLAlchemy and Alembic loaded"),
            Row("record it: an existing store", tuple(record), f"{len(summary['clauses'])} clauses, SQLite file"),
            Row(f"history show, {HISTORY_RUNS:,} runs x {HISTORY_CLAUSES} clauses (command)", tuple(command),
                f"page {size:,} B"),
            Row("  the page alone (in process)", tuple(in_process))]
    # The usual case is a store that exists; the median of the rounds against the run measured here.
    show_best, cold = min(command), sorted(record)[len(record) // 2]
    share = cold / wall
    verdict = (f"history show {show_best:.2f} s = {show_best / HISTORY_SHOW_TARGET:.2f} of {HISTORY_SHOW_TARGET:g} s "
               f"({'within' if show_best <= HISTORY_SHOW_TARGET else 'OVER'}); recording {cold * 1000:.1f} ms "
               f"(median of {rounds}, into an existing store) = {share:.2%} of a default local run "
               f"(target < {RECORD_SHARE_TARGET:.0%}: {'within' if share < RECORD_SHARE_TARGET else 'OVER'})")
    return Section("Run history: the page over a month of runs, and the cost of recording one", rows,
                   "local run, default depth (wall)", verdict,
                   [f"store filled with {HISTORY_RUNS:,} synthetic runs and 25 monitor runs in {fill:.1f} s "
                    f"(one transaction each, as runs record); best of {rounds}"])


BENCHES: list[Callable[[], Section]] = [server_png_overhead, suite_overhead_quick, suite_overhead_default,
                                        server_under_load, history_views]


# --- output --------------------------------------------------------------------------------------


def render(section: Section, console: Console) -> None:
    base = next(r for r in section.rows if r.name == section.baseline).best
    table = Table(title=section.title)
    for col, justify in (("pipeline", "left"), ("best s", "right"), ("median s", "right"),
                         ("x baseline (best)", "right"), ("note", "left")):
        table.add_column(col, justify=justify)
    for row in section.rows:
        table.add_row(row.name, f"{row.best:.3f}", f"{row.median:.3f}", f"{row.best / base:.2f}", row.note)
    console.print(table)
    for note in section.notes:
        console.print(f"  {note}", highlight=False)
    if section.verdict:
        console.print(f"  [bold]{section.verdict}[/bold]", highlight=False)


@click.command()
@click.option("--only", default=None, help="Run only the sections whose function name contains this.")
def main(only: str | None) -> None:
    """Print every bench section."""
    console = Console()
    for bench in BENCHES:
        if only and only not in bench.__name__:
            continue
        render(bench(), console)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
