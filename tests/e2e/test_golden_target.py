"""Goldens belong to an implementation, not to a port: ``--golden-target`` names them, and the default
name of a URL leaves the port out, so a server restarted on another port finds its goldens."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support import cli
from upscale_conformance.goldens import default_inputs_dir
from upscale_conformance.server import serve_in_thread
from upscale_conformance.server.faults import Faults

KEY = "sk_test_golden_target_42"
PROFILE = "pixel-budget-2026"
INPUTS = ("chelsea_cat.png", "brick_texture.png")  # one photo, one texture: enough for blur and noise to show


def goldens(tmp_path: Path, verb: str, url: str, *args: str) -> tuple[int, str]:
    ran = cli.cli("goldens", verb, "--target", url, "--profile", PROFILE, "--golden-dir", str(tmp_path / "goldens"),
                  "--inputs", str(tmp_path / "inputs"), "--mode", "ai.fast", *args, key=KEY, cwd=tmp_path)
    return ran.code, ran.output


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "inputs").mkdir()
    for name in INPUTS:
        shutil.copy(default_inputs_dir() / name, tmp_path / "inputs" / name)
    return tmp_path


@pytest.mark.slow
def test_named_goldens_survive_a_restart_on_another_port_and_catch_a_degraded_server(workdir):
    with serve_in_thread(PROFILE, KEY) as first:
        code, out = goldens(workdir, "record", first, "--golden-target", "my-upscaler")
    assert code == 0, out
    assert "3 calls, 3 billable" in out, out  # one per input and one determinism probe; every 200 is billed
    assert (workdir / "goldens" / "my-upscaler" / PROFILE / "ai.fast" / "chelsea_cat.json").is_file()
    with serve_in_thread(PROFILE, KEY) as second:
        assert second.split(":")[-1] != first.split(":")[-1]
        code, out = goldens(workdir, "check", second, "--golden-target", "my-upscaler")
    assert code == 0, out
    assert "2 pass" in out and "billable" in out, out
    for fault in (Faults(blur=1.5), Faults(noise=12.0)):
        with serve_in_thread(PROFILE, KEY, faults=fault) as third:
            code, out = goldens(workdir, "check", third, "--golden-target", "my-upscaler")
        assert code == 1, (fault, out)


def test_the_default_golden_name_of_a_url_leaves_the_port_out(workdir):
    with serve_in_thread(PROFILE, KEY) as first:
        code, out = goldens(workdir, "record", first)
    assert code == 0, out
    assert (workdir / "goldens" / "127-0-0-1" / PROFILE / "ai.fast").is_dir(), out
    with serve_in_thread(PROFILE, KEY) as second:
        code, out = goldens(workdir, "check", second)
    assert code == 0, out


def test_a_bad_golden_target_name_is_a_usage_error(workdir):
    code, out = goldens(workdir, "check", "http://127.0.0.1:9", "--golden-target", "../elsewhere")
    assert code == 2 and "Traceback" not in out and "golden target" in out, out
