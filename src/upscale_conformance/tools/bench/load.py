"""The reference server under load: how close it comes to the machine's limit (issue 23), and what
`upscale-conformance load` sees when it judges every answer (issue 14).

The limit: with C cores, and S CPU seconds spent by the server on one request of the mix sent alone
(its process's user + system time over the 200 requests sent one at a time, divided by 200), no
server can answer more than C / S a second. Throughput at 8 in flight must reach 85 % of it, every
answer 200; at 32, no error, no 5xx, peak RSS within 2 GB.

The driver here is lean on purpose: the load generator shares the same cores, so each answer is
judged from its header only (status, exact 4x size, declared and real format: the suite's own
``check_size`` and ``check_format``), not decoded; what the generator costs is printed beside. The
judged run (`load_judged`) decodes every answer and compares it with its input, and so measures the
server and its judge together.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .base import Row, Section

LOAD_REQUESTS = 200
LOAD_PIXELS = (250_000, 1_000_000)  # 0.25-1 MP inputs (ai.slow's clamped to its 262,144-pixel limit)
LOAD_CONCURRENCY = (8, 32)
LOAD_RSS_TARGET_MB = 2048
THROUGHPUT_TARGET = 0.85
KEY = "bench-load-key"


def peak_rss_mb(pid: int | None) -> float | None:
    """The process's peak resident set (VmHWM) in MB, from /proc (None where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, TypeError):
        return None
    return None


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far (all its threads), from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _mix():
    from ...client import UpscaleRequest
    from ...contract import load_profile
    from ...load import mix

    profile = load_profile(None)
    cases = [mix.case_for(i, 0, LOAD_PIXELS, profile) for i in range(LOAD_REQUESTS)]
    requests = [UpscaleRequest(image=mix.encode(c), mode=c.mode, export_format=c.export_format,
                               model_version=c.version, filename=f"load-{c.index}.{c.input_format}",
                               file_content_type=f"image/{c.input_format}") for c in cases]
    return profile, cases, requests


def drive(url: str, profile, cases, requests, in_flight: int) -> dict:
    """Send every request with ``in_flight`` at a time; judge each from its header. Returns the wall
    time, the statuses, the violations and errors, and the generator's own CPU seconds."""
    from ... import checks
    from ...client import Budget, RetryPolicy, UpscaleClient
    from ...client.secret import Secret
    from ...errors import NoAnswer

    local = threading.local()
    clients: list[UpscaleClient] = []
    budget = Budget(None)

    def client() -> UpscaleClient:
        if not hasattr(local, "client"):
            local.client = UpscaleClient(url, Secret(KEY), budget, retry=RetryPolicy(retries=0), timeout=300.0)
            clients.append(local.client)
        return local.client

    def one(i: int) -> tuple[int, list[str], str]:
        try:
            result = client().send(requests[i])
        except NoAnswer as exc:
            return 0, [], type(exc).__name__
        case = cases[i]
        found = [] if result.status != 200 else (checks.check_size(result, (case.width, case.height))
                                                 + checks.check_format(result, case.export_format, profile))
        return result.status, [v.code for v in found], ""

    started, cpu0 = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(in_flight) as pool:
        answers = list(pool.map(one, range(len(requests))))
    wall, own_cpu = time.perf_counter() - started, time.process_time() - cpu0
    for c in clients:
        c.close()
    statuses: dict[str, int] = {}
    for status, _, _ in answers:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {"wall": wall, "statuses": statuses, "violations": sum(len(v) for _, v, _ in answers),
            "errors": sum(1 for _, _, e in answers if e), "generator_cpu": own_cpu,
            "fivexx": sum(n for s, n in statuses.items() if int(s) >= 500)}


def server_throughput() -> Section:
    """200 requests of 0.25-1 MP (the load mix: both modes, the model header, PNG/JPEG/WebP in, PNG,
    JPEG and WebP out): one at a time, then 8 in flight on the same server; 32 in flight on a fresh one."""
    from ...server import serve_in_subprocess
    from ...server.parallel.pool import cores

    profile, cases, requests = _mix()
    rows, notes, checks = [], [], []
    with serve_in_subprocess(api_key=KEY) as url:
        drive(url, profile, cases, requests[:4], 1)  # warm-up: imports, first allocations
        cpu0 = cpu_seconds(url.pid)
        alone = drive(url, profile, cases, requests, 1)
        per_request = (cpu_seconds(url.pid) - cpu0) / LOAD_REQUESTS
        at8 = drive(url, profile, cases, requests, LOAD_CONCURRENCY[0])
        rss8 = peak_rss_mb(url.pid)
    with serve_in_subprocess(api_key=KEY) as url:
        at32 = drive(url, profile, cases, requests, LOAD_CONCURRENCY[1])
        rss32 = peak_rss_mb(url.pid)
    limit = cores() / per_request
    for name, run, rss in (("one at a time", alone, None), (f"{LOAD_CONCURRENCY[0]} in flight", at8, rss8),
                           (f"{LOAD_CONCURRENCY[1]} in flight", at32, rss32)):
        rate = LOAD_REQUESTS / run["wall"]
        rss_text = f"; server peak RSS {rss:.0f} MB" if rss is not None else ""
        rows.append(Row(f"{name}: 200 requests", (run["wall"],),
                        f"{rate:.2f} answers/s = {rate / limit:.0%} of the limit{rss_text}"))
        notes.append(f"{name}: statuses {run['statuses']}, {run['violations']} violations, {run['errors']} without "
                     f"an answer; the generator's own CPU {run['generator_cpu']:.1f} s")
    share = (LOAD_REQUESTS / at8["wall"]) / limit
    every_200 = at8["statuses"] == {"200": LOAD_REQUESTS} and at8["violations"] == 0
    checks.append(f"at {LOAD_CONCURRENCY[0]} in flight {share:.0%} of the limit "
                  f"(target >= {THROUGHPUT_TARGET:.0%}: {'within' if share >= THROUGHPUT_TARGET else 'UNDER'}), "
                  + ("every answer 200" if every_200 else "NOT every answer 200 and right"))
    clean = at32["errors"] == 0 and at32["fivexx"] == 0
    ok_rss = rss32 is not None and rss32 <= LOAD_RSS_TARGET_MB
    checks.append(f"at {LOAD_CONCURRENCY[1]}: {'0' if clean else 'SOME'} errors and 5xx, peak RSS "
                  f"{rss32:.0f} MB ({'within' if ok_rss else 'OVER'} {LOAD_RSS_TARGET_MB} MB)" if rss32 else
                  f"at {LOAD_CONCURRENCY[1]}: peak RSS unknown (no /proc)")
    notes.insert(0, f"the limit: {cores()} cores / {per_request:.3f} CPU s per request alone "
                    f"(server process, user + system, mean of {LOAD_REQUESTS}) = {limit:.2f} answers/s")
    return Section(f"Reference server under load: {LOAD_REQUESTS} requests of 0.25-1 MP against the machine's "
                   "limit", rows, rows[0].name, "; ".join(checks), notes)


def load_judged() -> Section:
    """`upscale-conformance load` (Locust, 2 worker processes, every answer decoded and judged) against a
    fresh reference server per phase: 200 requests of 0.25-1 MP at 8, then 32 in flight."""
    from ...client.secret import Secret
    from ...contract import load_profile
    from ...load.launch import LoadSettings, run_load
    from ...server import serve_in_subprocess

    rows, notes = [], []
    for concurrency in LOAD_CONCURRENCY:
        with serve_in_subprocess(api_key=KEY) as url, tempfile.TemporaryDirectory() as out:
            settings = LoadSettings(url, load_profile(None), concurrency, LOAD_REQUESTS, workers=2,
                                    pixels=LOAD_PIXELS, timeout=300.0, api_key=Secret(KEY))
            code = run_load(settings, Path(out), say=lambda _line: None)
            rss = peak_rss_mb(url.pid)
            report = json.loads(next(Path(out).glob("load-*/load.json")).read_text())
        lat, statuses = report["latency_seconds"].get("all", {}), report["answers_by_status"]
        rss_text = f"{rss:.0f} MB" if rss is not None else "unknown"
        rows.append(Row(f"{concurrency} in flight: p50 latency", (lat.get("p50", 0.0),)))
        rows.append(Row(f"{concurrency} in flight: p95 latency", (lat.get("p95", 0.0),),
                        f"{report['throughput_per_second']:.2f} answers/s; server peak RSS {rss_text}"))
        notes.append(f"{concurrency} in flight: answers by status {statuses}; no answer {report['no_answer']}; "
                     f"violations {len(report['violations'])}; {report['seconds']:.1f} s; load exit {code}")
    return Section(f"`upscale-conformance load`, every answer decoded and judged on the same cores: "
                   f"{LOAD_REQUESTS} requests of 0.25-1 MP", rows, rows[0].name, "", notes)
