"""First contact (client/reach.py, session.reach): a target with nothing at its address is named in one line
before anything is sent. Only refused connections here (no server listens in the unit tier); the name that
does not resolve and the failed TLS handshake are run end to end in tests/e2e/test_outage.py."""

from __future__ import annotations

import pytest

from upscale_conformance.client.reach import first_contact
from upscale_conformance.errors import NeverReached
from upscale_conformance.session import reach


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def test_a_refused_connection_is_named_with_its_host_and_port():
    assert first_contact("http://127.0.0.1:1") == "connection refused: nothing listens on 127.0.0.1 port 1"
    assert first_contact("https://127.0.0.1:1/v2") == "connection refused: nothing listens on 127.0.0.1 port 1"


def test_session_reach_raises_never_reached_in_one_line_and_leaves_local_alone():
    with pytest.raises(NeverReached) as raised:
        reach("http://127.0.0.1:1")
    message = str(raised.value)
    assert message == ("never reached http://127.0.0.1:1: connection refused: nothing listens on 127.0.0.1 port 1; "
                       "nothing was sent (is the URL right?)")
    reach("local")  # started by the session, not reached: nothing to check here


def test_behind_a_proxy_the_first_request_tells_instead(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:1")  # the client would go through it, not to the host
    assert first_contact("https://127.0.0.1:1") is None
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # ... unless the host is exempt
    assert first_contact("https://127.0.0.1:1") is not None
