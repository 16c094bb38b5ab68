"""session.open_session on `local`: the reference server started in a thread or a child process for as long
as the session is open, pinning a key of the session's own, and stopped when it closes."""

from __future__ import annotations

import httpx
import pytest

from upscale_conformance.client import Secret
from upscale_conformance.client.health import known_good
from upscale_conformance.errors import TargetUnreachable
from upscale_conformance.session import open_session

USER_KEY = "sk_test_session_0123456789"


@pytest.mark.parametrize("how", ["thread", "subprocess"])
def test_local_starts_the_reference_server_for_the_session_only(how):
    with open_session("local", "per-axis-2025", Secret(USER_KEY), budget=3, server=how) as session:
        assert session.local and session.url == session.server and session.url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{session.url}/health").json()["profile"] == "per-axis-2025"
        # The server pins the session's own key: the user's never reaches it, and another key is refused.
        assert session.key and session.key.reveal() != USER_KEY
        assert session.client.upscale(known_good()).status == 200 and session.budget.spent == 1
        upload = {"imageFile": ("a.png", known_good(), "image/png")}
        refused = httpx.post(f"{session.url}/v2/edit", headers={"x-api-key": USER_KEY},
                             data={"upscale.mode": "ai.fast"}, files=upload)
        assert refused.status_code in (401, 403)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{session.url}/health", timeout=2)
    assert session.client._http.is_closed


def test_a_local_key_of_the_caller_s_own_is_the_one_pinned():
    with open_session("local", local_key=Secret("local-mine")) as session:
        assert session.key.reveal() == "local-mine" and session.client.upscale(known_good()).status == 200


def test_a_reference_server_that_cannot_start_is_an_unreachable_target(monkeypatch):
    from upscale_conformance.server import runner

    monkeypatch.setattr(runner, "wait_healthy", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("no /health")))
    with pytest.raises(TargetUnreachable, match="the reference server did not start: no /health"):
        open_session("local", server="thread")


@pytest.mark.parametrize("command", [["monitor"], ["goldens", "record", "--golden-dir", "{tmp}"], ["run"]])
def test_a_command_whose_reference_server_does_not_start_is_inconclusive_in_one_line(tmp_path, monkeypatch,
                                                                                    command):
    from click.testing import CliRunner

    from upscale_conformance.cli.app import cli
    from upscale_conformance.server import runner

    monkeypatch.setattr(runner, "wait_healthy", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("no /health")))
    monkeypatch.chdir(tmp_path)
    args = [a.format(tmp=tmp_path / "goldens") for a in command] + ["--target", "local"]
    got = CliRunner().invoke(cli, args, env={"COLUMNS": "200"})
    assert got.exit_code == 3, got.output
    assert "inconclusive" in got.output and "the reference server did not start: no /health" in got.output
    assert "Traceback" not in got.output
