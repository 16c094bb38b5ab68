"""The one header every run record starts with, written by :func:`new_header` for ``run``, ``monitor``,
``load`` and ``selfcheck`` alike: what tool, which command, which run, against what, under which profile,
when, and how it ended.

>>> h = new_header("load", "https://user:secret@example.invalid:8443/v2", "p", started="s", finished="f",
...                exit_code=0, verdict="every answer kept the contract", environ={}, run_id="r1")
>>> h.target, h.tool == tool_name(), h.to_dict()["exit_code"]
('https://user@example.invalid:8443/v2', True, 0)
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

COMMANDS = ("run", "monitor", "load", "selfcheck")


def tool_name() -> str:
    """``upscale-conformance <version>``: the tool as every record and golden names it."""
    from .. import __version__

    return f"upscale-conformance {__version__}"


def now() -> str:
    """The time as records write it: ISO 8601, UTC, whole seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def public_target(target: str) -> str:
    """``target`` without a password in its URL (``https://user:pw@host`` -> ``https://user@host``): a
    record is shared and kept, a password in a URL must not travel with it."""
    parts = urlsplit(target)
    if parts.password is None:
        return target
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@dataclass(frozen=True)
class Ci:
    """Where the run ran, from the usual CI variables: empty outside CI."""

    commit: str = ""
    branch: str = ""
    job_url: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Ci:
        data = data or {}
        return cls(str(data.get("commit") or ""), str(data.get("branch") or ""), str(data.get("job_url") or ""))


def ci_context(environ: Mapping[str, str] | None = None) -> Ci:
    """Commit, branch and job URL from the usual CI variables (GitHub Actions, GitLab, generic)."""
    env = os.environ if environ is None else environ
    github_job = ""
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        github_job = (f"{env.get('GITHUB_SERVER_URL', 'https://github.com')}/{env['GITHUB_REPOSITORY']}"
                      f"/actions/runs/{env['GITHUB_RUN_ID']}")
    return Ci(
        commit=env.get("GITHUB_SHA") or env.get("CI_COMMIT_SHA") or env.get("GIT_COMMIT") or "",
        branch=env.get("GITHUB_HEAD_REF") or env.get("GITHUB_REF_NAME") or env.get("CI_COMMIT_REF_NAME")
        or env.get("GIT_BRANCH") or "",
        job_url=github_job or env.get("CI_JOB_URL") or env.get("BUILD_URL") or "",
    )


@dataclass(frozen=True)
class Header:
    """The fields every record has, under the same names, at the top of its JSON object."""

    command: str  # one of COMMANDS
    run_id: str  # unique per run: the results store keeps a run once, however often it is imported
    tool: str
    target: str  # as the user named it (`local` for a reference server of the run's own), no password
    profile: str
    started: str  # ISO 8601, UTC
    finished: str
    exit_code: int
    verdict: str  # the exit code's meaning, as the command says it
    ci: Ci = field(default_factory=Ci)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], command: str = "") -> Header:
        """The header of a record as this version writes it (``records.legacy`` upgrades older files)."""
        return cls(command=str(data.get("command") or command), run_id=str(data.get("run_id") or ""),
                   tool=str(data.get("tool") or ""), target=str(data.get("target") or ""),
                   profile=str(data.get("profile") or ""), started=str(data.get("started") or ""),
                   finished=str(data.get("finished") or ""), exit_code=int(data.get("exit_code") or 0),
                   verdict=str(data.get("verdict") or ""), ci=Ci.from_dict(data.get("ci")))


HEADER_KEYS = tuple(Header.__dataclass_fields__)


def new_header(command: str, target: str, profile: str, *, started: str, exit_code: int, verdict: str,
               finished: str = "", environ: Mapping[str, str] | None = None, run_id: str = "") -> Header:
    """The header of a run that ends now (``finished`` defaults to now): the one place a record gets its
    tool name, run id, CI context and a target fit to be kept."""
    if command not in COMMANDS:
        raise ValueError(f"unknown command {command!r}")
    return Header(command=command, run_id=run_id or uuid.uuid4().hex, tool=tool_name(),
                  target=public_target(target), profile=profile, started=started, finished=finished or now(),
                  exit_code=exit_code, verdict=verdict, ci=ci_context(environ))
