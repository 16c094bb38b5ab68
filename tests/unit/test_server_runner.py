"""The serve command before it serves: it is registered, and an unknown profile or bad faults in the
environment are refused."""

from __future__ import annotations

from click.testing import CliRunner

from upscale_conformance.cli.app import cli


def test_the_serve_command_is_registered():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--profile", "--api-key", "--workers"):
        assert option in result.output


def test_serve_refuses_an_unknown_profile():
    result = CliRunner().invoke(cli, ["serve", "--profile", "no-such-profile"])
    assert result.exit_code == 2
    assert "profile not found" in result.output


def test_serve_refuses_bad_faults_in_the_environment():
    result = CliRunner().invoke(cli, ["serve", "--port", "0"], env={"UPSCALE_SERVER_FAULTS": '{"nope": 1}'})
    assert result.exit_code == 2
    assert "unknown fault" in result.output
