"""`upscale-conformance load` against reference servers (issue 14, items 2 and 3): a correct server
keeps the contract under concurrency, counted by its own request log; the two concurrency faults
("answers swapped under concurrency", "500 past N in flight") fail `load` with exit 1 and pass the
sequential suite; a hostile target ends inconclusive in bounded time; concurrent requests share one
image pool and only admitted requests are decoded."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support import cli
from tests.support.hostile_targets import hostile_target
from upscale_conformance.records import files
from upscale_conformance.server import Faults

KEY = "sk_test_load_0123456789abcdef"
SMALL = "2000-8000"  # pixels: small pictures keep each run to a few seconds


def load_cli(tmp_path: Path, url: str, *args: str) -> tuple[int, dict, str]:
    """The command in this process (Locust itself always runs in a child process group)."""
    out = cli.invoke("load", "--target", url, "--pixels", SMALL, "--report-dir", str(tmp_path), "--timeout", "30",
                     *args, key=KEY)
    folders = sorted(tmp_path.glob("load-*"))
    report = json.loads((folders[-1] / "load.json").read_text()) if folders else {}
    assert not report or files.problems("load.json", report) == []  # every load.json keeps its schema
    return out.code, report, out.output


def test_a_correct_server_keeps_the_contract_under_load_counted_by_its_own_log(tmp_path, local_server):
    url = local_server(api_key=KEY, fresh=True)  # 2 image threads, the default queue behind them
    # Pictures large enough to be cut into strips (1-2 MP answers), and to keep a request at the server
    # while others arrive: the smallest ones are answered before the next is sent.
    code, report, output = load_cli(tmp_path, url, "--requests", "24", "--concurrency", "8", "--workers", "2",
                                    "--pixels", "60000-120000")
    assert code == 0, output
    assert report["requests"] == 24 and report["answers_by_status"] == {"200": 24}, output
    assert set(report["latency_seconds"]) == {"ai.fast", "ai.fast+ai-upscale-2025-07-29", "ai.slow", "all"}
    assert report["throughput_per_second"] > 0 and report["violations"] == []
    health = httpx.get(f"{url}/health").json()
    assert health["requests"] == 24  # every call counted: what was announced is what arrived
    assert health["peak_in_flight"] >= 2  # concurrency reached the server (and got no 429)
    assert "progress" in output and "p95" in output and "at most 24 calls" in output
    folder = next(tmp_path.glob("load-*"))
    assert {"load.json", "load.txt", "answers.jsonl", "locust.log"} <= {p.name for p in folder.iterdir()}
    for path in [*folder.iterdir()]:  # the key is in no artifact, logs included
        assert KEY not in path.read_text(errors="replace"), path
    assert KEY not in output


@pytest.mark.parametrize(("faults", "args", "code"), [
    (Faults(swap_in_flight=True), ("--requests", "16"), "size_not_4x"),
    (Faults(error_past_in_flight=2), ("--duration", "2"), "server_error_for_client_mistake"),  # a duration too
], ids=["answers-swapped", "500-past-2-in-flight"])
def test_a_concurrency_fault_fails_load(tmp_path, local_server, faults, args, code):
    url = local_server(api_key=KEY, faults=faults, fresh=True)
    exit_code, report, output = load_cli(tmp_path, url, *args, "--concurrency", "8")
    assert exit_code == 1, output
    assert code in {v["code"] for v in report["violations"]}, report["violations_by_code"]
    assert "contract violated under load" in output


def test_the_concurrency_faults_pass_the_sequential_suite(tmp_path, local_server):
    """The same faults, one request at a time: invisible, which is why `load` exists."""
    url = local_server(api_key=KEY, faults=Faults(swap_in_flight=True, error_past_in_flight=2), fresh=True)
    out = cli.run(tmp_path, "--target", url, "--quick", "--", "-k", "comes_back_exactly_4x_and_faithful", key=KEY)
    assert out.code == 0, out.output[-5000:]
    assert httpx.get(f"{url}/health").json()["requests"] > 0  # the suite did reach the faulted server


# --- the server's queue (item 3) -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["trickle", "endless"])
def test_a_hostile_target_leaves_every_request_unanswered_and_the_run_inconclusive_in_bounded_time(tmp_path, kind):
    """Under load as in the suites, the client's guard ends each answer: a body that trickles at the time
    limit (under gevent too), one that never ends at the 200's bound; then the target is down."""
    with hostile_target(kind) as (url, seen):
        started = time.monotonic()
        out = cli.invoke("load", "--target", url, "--pixels", SMALL, "--report-dir", str(tmp_path), "--timeout", "2",
                         "--patience", "0", "--requests", "4", "--concurrency", "2", key=KEY)
        took = time.monotonic() - started
    report = json.loads(next(tmp_path.glob("load-*/load.json")).read_text())
    assert out.code == 3, out.output
    assert report["answers_by_status"] == {"no answer": 4} and report["requests"] == 4, out.output
    assert took < 30, took  # a hang detector: 2 s a request and 2 s its known-good one, then none is sent
    assert len(seen) <= 4  # per user: the request and the known-good one; the rest end without a call
    assert KEY not in out.output


def send_at_once(edit, url: str, upload: bytes, count: int) -> list[int]:
    """``count`` requests sent together from as many threads; their statuses."""
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(edit(url, upload).status_code)) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def test_eight_concurrent_requests_to_one_image_thread_all_get_200(local_server, edit, make_picture, encode_image):
    url = local_server(fresh=True, workers=1)  # one thread: seven wait in the queue, none is refused
    assert send_at_once(edit, url, encode_image(make_picture(64, 48)), 8) == [200] * 8


def test_concurrent_requests_share_one_pool_and_only_admitted_requests_decode(monkeypatch, edit, make_picture,
                                                                                encode_image):
    """Issue 23: the strips of different requests run on the one pool (never more at once than it has
    threads), and no more requests than the server's image workers are past decoding at once."""
    from upscale_conformance.server import pipeline, serve_in_thread
    from upscale_conformance.server.parallel import pool, strips

    lock = threading.Lock()
    seen = {"requests": 0, "peak_requests": 0, "strips": 0, "peak_strips": 0, "shared": False}
    threads: set[str] = set()
    running: dict[int, int] = {}  # id of a request's decoded picture -> its strips running now
    real_run, real_strip = pipeline.run, strips.upscale_with_margin

    def counted_run(*args, **kwargs):
        with lock:
            seen["requests"] += 1
            seen["peak_requests"] = max(seen["peak_requests"], seen["requests"])
        try:
            return real_run(*args, **kwargs)
        finally:
            with lock:
                seen["requests"] -= 1

    def counted_strip(im, *args):
        with lock:
            seen["strips"] += 1
            seen["peak_strips"] = max(seen["peak_strips"], seen["strips"])
            threads.add(threading.current_thread().name)
            running[id(im)] = running.get(id(im), 0) + 1
            seen["shared"] |= sum(1 for n in running.values() if n) > 1
        try:
            return real_strip(im, *args)
        finally:
            with lock:
                seen["strips"] -= 1
                running[id(im)] -= 1

    monkeypatch.setattr(pipeline, "run", counted_run)
    monkeypatch.setattr(strips, "upscale_with_margin", counted_strip)
    upload = encode_image(make_picture(400, 300))  # a 1600x1200 answer: cut into strips
    with serve_in_thread(workers=2) as url:
        assert send_at_once(edit, url, upload, 6) == [200] * 6
    assert seen["peak_requests"] <= 2  # decoding happens in run, behind the two image workers
    assert 1 <= seen["peak_strips"] <= pool.cores()
    assert threads and all(name.startswith("upscale-strip") for name in threads), threads
    if pool.cores() > 1:
        assert seen["shared"], "no two requests ever had strips in the pool at once"
