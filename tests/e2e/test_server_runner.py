"""Starting and stopping the reference server: threads, child processes, the serve command, and
what it logs (never the key)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from upscale_conformance.server import Faults, serve_in_subprocess, serve_in_thread
from upscale_conformance.server.runner import ANNOUNCE


def test_serve_in_thread_yields_a_url_and_stops_on_exit():
    with serve_in_thread("per-axis-2025") as url:
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{url}/health").json()["profile"] == "per-axis-2025"
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/health", timeout=2)


def gone(url, within: float = 5.0) -> bool:
    """Whether the server behind ``url`` has stopped, waiting up to ``within`` seconds."""
    deadline = time.monotonic() + within
    while url.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not url.alive()


def test_a_thread_server_can_be_killed_mid_run(edit, make_picture, encode_image):
    with serve_in_thread() as url:
        assert edit(url, encode_image(make_picture(8, 8))).status_code == 200
        url.kill()
        with pytest.raises(httpx.TransportError):
            edit(url, encode_image(make_picture(8, 8)), timeout=5)
        assert gone(url)


def test_serve_in_subprocess_runs_a_separate_process_and_kills_it(edit, make_picture, encode_image):
    with serve_in_subprocess(api_key="test-key") as url:
        assert url.pid and url.pid != os.getpid()
        assert url.alive()
        r = edit(url, encode_image(make_picture(10, 6)))
        assert r.status_code == 200
        assert httpx.get(f"{url}/health").json()["requests"] == 1
        pid = url.pid
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_child_server_killed_mid_run_refuses_connections(edit, make_picture, encode_image):
    with serve_in_subprocess() as url:
        url.kill()
        assert gone(url)
        with pytest.raises(httpx.TransportError):
            edit(url, encode_image(make_picture(8, 8)), timeout=5)


def test_die_after_ends_the_child_process(edit, make_picture, encode_image):
    with serve_in_subprocess(api_key="test-key", faults=Faults(die_after=1)) as url:
        assert edit(url, encode_image(make_picture(8, 8))).status_code == 200
        with pytest.raises(httpx.TransportError):
            edit(url, encode_image(make_picture(8, 8)), timeout=5)
        assert gone(url)


def test_the_key_never_reaches_the_logs(tmp_path, edit, make_picture, encode_image):
    pinned, wrong = "sk_live_PINNED_7f3a9c", "sk_live_WRONG_0b1d2e"
    out, err = tmp_path / "out.log", tmp_path / "err.log"
    env = dict(os.environ, UPSCALE_SERVER_API_KEY=pinned)
    with out.open("w") as fout, err.open("w") as ferr:
        proc = subprocess.Popen([sys.executable, "-m", "upscale_conformance.server", "--port", "0",
                                 "--log-level", "debug"], stdout=fout, stderr=ferr, env=env, start_new_session=True)
        try:
            url = None
            deadline = time.monotonic() + 30
            while url is None and time.monotonic() < deadline:
                for line in out.read_text().splitlines():
                    if line.startswith(ANNOUNCE):
                        url = line[len(ANNOUNCE):].split()[0]
                time.sleep(0.05)
            assert url, err.read_text()
            image = encode_image(make_picture(8, 8))
            assert edit(url, image, key=pinned).status_code == 200
            assert edit(url, image, key=wrong).status_code == 401
            assert edit(url, image, key=wrong, mode="ai.bogus").status_code == 401
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
    logs = out.read_text() + err.read_text()
    assert "Started server process" in logs  # the logs were really captured, at debug level
    assert pinned not in logs and wrong not in logs
    assert "PINNED" not in logs and "WRONG" not in logs
