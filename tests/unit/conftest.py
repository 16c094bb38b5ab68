"""The unit tier's rule, enforced: no test here listens on a socket (no server, not even one in a thread) or
starts a process. What needs either belongs in tests/e2e/."""

from __future__ import annotations

import socket
import subprocess

import pytest


def pytest_configure(config):
    """Matplotlib builds its font cache on first import by running ``fc-list``: a one-off of the machine,
    not of a test. Build it here, before the rule below is in force, or the first unit test to draw a
    plot on a fresh machine fails depending on the order the tests ran in."""
    import matplotlib.font_manager  # noqa: F401


@pytest.fixture(autouse=True)
def _no_server_no_subprocess(monkeypatch):
    def refuse(what):
        def refused(*_args, **_kwargs):
            raise AssertionError(f"a unit test {what}: move it to tests/e2e/")
        return refused

    monkeypatch.setattr(socket.socket, "listen", refuse("listens on a socket"))
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse("starts a process"))
