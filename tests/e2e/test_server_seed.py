"""The seed page's three curl commands, run verbatim with real curl against the reference server."""

from __future__ import annotations

import shutil
import subprocess

import httpx
import numpy as np
import pytest

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")

MODEL_HEADER = ["--header", "pr-ai-upscale-model-version: ai-upscale-2025-07-29"]
SEED_COMMANDS = {
    "ai.fast": ("ai.fast", []),
    "ai.slow": ("ai.slow", []),
    "ai.fast new model": ("ai.fast", MODEL_HEADER),
}


def seed_curl(url: str, image_path, mode: str, extra: list[str], output) -> subprocess.CompletedProcess:
    """The seed's command line, with only the URL and the file paths changed."""
    cmd = [
        "curl", "--silent", "--show-error", "--dump-header", "-",
        "--request", "POST",
        "--url", f"{url}/v2/edit",
        "--header", "x-api-key: YOUR_API_KEY",
        *extra,
        "--form", f'imageFile=@"{image_path}"',
        "--form", 'referenceBox="originalImage"',
        "--form", 'removeBackground="false"',
        "--form", f'upscale.mode="{mode}"',
        "--output", str(output),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def seed_image(tmp_path, make_picture, encode_image):
    path = tmp_path / "image.jpeg"
    path.write_bytes(encode_image(make_picture(60, 40), "JPEG", quality=92))
    return path


@pytest.mark.parametrize("name", list(SEED_COMMANDS))
def test_seed_curl_command_gives_a_4x_png(name, server_url, seed_image, tmp_path, decode_image):
    mode, extra = SEED_COMMANDS[name]
    out = tmp_path / "result.png"
    done = seed_curl(server_url, seed_image, mode, extra, out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("HTTP/1.1 200"), done.stdout
    assert "content-type: image/png" in done.stdout.lower()
    result = decode_image(out.read_bytes())
    assert result.format == "PNG"
    assert result.size == (240, 160)


def test_the_model_header_changes_the_seed_output(server_url, seed_image, tmp_path, decode_image):
    outputs = []
    for i, extra in enumerate(([], MODEL_HEADER)):
        out = tmp_path / f"result-{i}.png"
        assert seed_curl(server_url, seed_image, "ai.fast", extra, out).returncode == 0
        outputs.append(np.asarray(decode_image(out.read_bytes()).convert("RGB"), dtype=np.float32))
    assert np.abs(outputs[0] - outputs[1]).mean() > 1.0


def test_health_counts_the_posts_that_arrived(local_server, seed_image, tmp_path):
    url = local_server(fresh=True)
    before = httpx.get(f"{url}/health").json()
    assert before == {"status": "ok", "profile": "pixel-budget-2026", "requests": 0, "billable": 0, "received": 0,
                      "in_flight": 0, "peak_in_flight": 0}
    for _ in range(3):
        seed_curl(url, seed_image, "ai.fast", [], tmp_path / "r.png")
    httpx.get(f"{url}/v2/edit")  # a GET is not an edit request, but the request log sees it
    seed_curl(url, seed_image, "ai.turbo", [], tmp_path / "r.png")  # refused: an edit request, not billable
    after = httpx.get(f"{url}/health").json()
    assert (after["requests"], after["billable"], after["received"]) == (4, 3, 5)
