"""`upscale-conformance monitor` before it sends anything: bad input is a one-line usage error, and a
remote target gets a stated default budget."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from upscale_conformance.cli.app import cli
from upscale_conformance.client import RetryPolicy

KEY = "sk_test_monitor_0123456789"


def invoke(*argv: str, env: dict | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(argv), env={"COLUMNS": "200", **(env or {})})
    return result.exit_code, result.output


@pytest.mark.parametrize(("args", "words"), [
    (["--target", "http://127.0.0.1:9", "--baseline", "{tmp}/missing.json"], "baseline file not found"),
    (["--target", "http://127.0.0.1:9", "--baseline", "{tmp}/other.json"], "not a monitor record"),
    (["--target", "http://127.0.0.1:9", "--baseline", "{tmp}/bad.json"], "not a monitor record (not JSON"),
    (["--target", "ftp://example.com"], "expected `local` or an http(s) base URL"),
    (["--target", "http://127.0.0.1:port"], "bad port"),
    (["--target", "https://image-api.photoroom.com"], "needs --api-key or PHOTOROOM_API_KEY"),
    (["--target", "local", "--profile", "no-such-profile"], "profile not found"),
])
def test_bad_input_is_a_one_line_usage_error(tmp_path, args, words):
    (tmp_path / "other.json").write_text(json.dumps({"schema": "something-else", "version": 1}))
    (tmp_path / "bad.json").write_text("{not json")
    code, output = invoke("monitor", *[a.format(tmp=tmp_path) for a in args], env={"PHOTOROOM_API_KEY": ""})
    assert code == 2, output
    assert output.strip().count("\n") == 0 and words in output and "Traceback" not in output


def test_a_remote_target_gets_a_stated_default_budget(monkeypatch, tmp_path):
    monkeypatch.setattr(RetryPolicy, "delay", lambda self, attempt, retry_after: 0.0)
    code, output = invoke("monitor", "--target", "https://vendor.invalid", "--out", str(tmp_path),
                          env={"PHOTOROOM_API_KEY": KEY})
    assert code == 3, output
    assert re.search(r"at most 63 calls \(the plan: limit search <= 24 per mode for 2 modes, 15 other probes", output)
    assert "Only answers 200 are billable" in output and "inconclusive" in output
    assert KEY not in output and KEY not in (tmp_path / "record.json").read_text()
