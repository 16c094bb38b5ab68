"""session.open_session without a server: the refusal of a paid target without a key, the budget and its
share, the time limits that reach the client, and closing. The `local` target (a server started) is
tests/e2e/test_session.py's; the shared command-line options' rules are at the end."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from upscale_conformance.cli.app import cli
from upscale_conformance.client import Budget, Secret
from upscale_conformance.client.health import DEFAULT_PATIENCE
from upscale_conformance.client.target import DEFAULT_TIMEOUT, LOOPBACK_KEY
from upscale_conformance.errors import KeyMissing
from upscale_conformance.session import key_for, open_session

VENDOR, KEY = "https://vendor.example", "sk_test_session_0123456789"


@pytest.mark.parametrize("key", [None, Secret(None), Secret("")])
def test_a_paid_target_without_a_key_is_refused_with_one_typed_error(key):
    with pytest.raises(KeyMissing, match="needs --api-key or PHOTOROOM_API_KEY"):
        open_session(VENDOR, key=key)
    with pytest.raises(KeyMissing, match="needs --upscale-api-key"):
        key_for(VENDOR, key, "--upscale-api-key")


def test_loopback_costs_nothing_and_needs_no_key():
    # Given none, a loopback target is sent the key `serve` accepts by default (README: serve, then run).
    with open_session("http://127.0.0.1:9", key=None) as session:
        assert session.key.reveal() == LOOPBACK_KEY == session.client.api_key.reveal()
        assert session.url == "http://127.0.0.1:9" and not session.local
    with open_session("http://localhost:9", key=Secret("mine")) as session:  # a key given is the key sent
        assert session.key.reveal() == "mine"


def test_the_missing_key_message_names_the_real_reason():
    with pytest.raises(KeyMissing) as raised:
        key_for(VENDOR, None)
    assert str(raised.value) == ("https://vendor.example is not on this machine, so every call may be billed: a paid "
                                 "target needs --api-key or PHOTOROOM_API_KEY (a loopback address needs none)")
    assert "non-local" not in str(raised.value)


def test_the_session_sends_the_user_s_key_and_never_shows_it():
    with open_session(VENDOR + "/", key=Secret(KEY), budget=5) as session:
        assert session.client.api_key.reveal() == KEY and session.key.reveal() == KEY
        assert session.url == VENDOR == session.client.base_url  # one URL, without the trailing slash
        assert KEY not in repr(session) and KEY not in str(session)


@pytest.mark.parametrize(("limit", "workers", "shares"), [(10, 3, [4, 3, 3]), (2, 3, [1, 1, 0]), (None, 2, [None] * 2)])
def test_each_process_gets_its_share_so_the_run_stays_within_the_budget(limit, workers, shares):
    got = []
    for index in range(workers):
        with open_session(VENDOR, key=Secret(KEY), budget=limit, share=(workers, index)) as session:
            assert session.client.budget is session.budget  # the budget the client spends is the session's
            got.append(session.budget.limit)
    assert got == shares


def test_a_budget_shared_by_sessions_is_spent_once():
    shared = Budget(3)
    with open_session(VENDOR, key=Secret(KEY), budget=shared) as one, \
            open_session("http://127.0.0.1:9", budget=shared) as two:
        one.budget.spend()
        two.budget.spend()
    assert shared.spent == 2 and one.budget is two.budget is shared


def test_timeout_and_patience_reach_the_client_and_default_to_the_client_s():
    with open_session(VENDOR, key=Secret(KEY), timeout=7, patience=0) as session:
        assert session.client.timeout == 7 and session.client.health.patience == 0  # 0: do not wait at all
    with open_session(VENDOR, key=Secret(KEY)) as session:
        assert session.client.timeout == DEFAULT_TIMEOUT and session.client.health.patience == DEFAULT_PATIENCE


def test_leaving_the_session_closes_its_client():
    with open_session(VENDOR, key=Secret(KEY)) as session:
        assert not session.client._http.is_closed
    assert session.client._http.is_closed
    again = open_session(VENDOR, key=Secret(KEY))
    again.close()
    assert again.client._http.is_closed


def test_the_profile_is_loaded_by_name_and_bounds_the_answers():
    from upscale_conformance.client.guard import bounds_for
    from upscale_conformance.contract import load_profile

    with open_session(VENDOR, "pixel-budget-2026", Secret(KEY)) as session:
        assert session.profile.id == "pixel-budget-2026"
        assert session.client.bounds == bounds_for(load_profile("pixel-budget-2026"))


# --- the options every command shares (cli/options.py): one rule each, a bad value one line and exit 2 ------

COMMANDS = {  # what each command needs besides the option under test, sending nothing
    "run": ["run", "--target", "http://127.0.0.1:9", "--plan"],
    "replay": ["replay", "{tmp}"],
    "load": ["load", "--target", "http://127.0.0.1:9"],
    "monitor": ["monitor", "--target", "http://127.0.0.1:9"],
    "goldens": ["goldens", "check"],
}
BAD = [
    ("--timeout", ["0", "-1", "soon", "inf"], ["run", "replay", "load"], "seconds above 0"),
    ("--patience", ["-1", "soon", "nan"], ["run", "replay", "load"], "seconds, 0 or more"),
    ("--budget", ["-1", "2.5", "lots"], ["run", "replay", "load", "monitor", "goldens"], "whole number of calls"),
    ("--target", ["ftp://x", "http://127.0.0.1:port"], ["run", "replay", "load", "monitor", "goldens"], "--target"),
    ("--profile", ["no-such-profile"], ["run", "load", "monitor", "goldens"], "profile not found"),
]


@pytest.mark.parametrize(("flag", "values", "commands", "words"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_value_is_the_same_one_line_usage_error_in_every_command(tmp_path, flag, values, commands, words):
    for command in commands:
        for value in values:
            args = [a.format(tmp=tmp_path) for a in COMMANDS[command]] + [flag, value]
            got = CliRunner().invoke(cli, args, env={"PHOTOROOM_API_KEY": KEY, "COLUMNS": "200"})
            assert got.exit_code == 2, (command, value, got.output)
            assert got.output.strip().count("\n") == 0 and words in got.output, (command, value, got.output)
            assert flag in got.output and "Traceback" not in got.output


@pytest.mark.parametrize("command", ["run", "load", "monitor", "goldens"])
def test_a_paid_target_without_a_key_is_the_same_usage_error_in_every_command(tmp_path, command):
    args = [a for a in COMMANDS[command] if a != "--plan"]
    args = [*(args[:1] if command != "goldens" else args), "--target", VENDOR]
    if command == "load":
        args += ["--requests", "3"]
    got = CliRunner().invoke(cli, args, env={"PHOTOROOM_API_KEY": ""}, catch_exceptions=False)
    assert got.exit_code == 2 and "a paid target needs --api-key or PHOTOROOM_API_KEY" in got.output, got.output
    assert not any(tmp_path.iterdir())
