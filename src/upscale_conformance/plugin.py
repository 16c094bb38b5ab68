"""The pytest plugin (entry point ``pytest11``): points the suites in ``suites/`` at a target.

Every option is a command-line flag and an ini key of the same name without the dashes
(``upscale_target = local``); the flag wins. ``--upscale-target local`` starts the reference
server on a free port of 127.0.0.1 and stops it at the end.
"""

from __future__ import annotations

import json
import os
import secrets
from urllib.parse import urlparse

import pytest
from _pytest.subtests import SubtestReport

from .contract import load_clauses, load_profile
from .errors import (
    AnswerTimedOut,
    AnswerTooLarge,
    BudgetExhausted,
    ConformanceError,
    CreditsExhausted,
    RateLimited,
    TargetUnreachable,
)
from .secret import Secret
from .verdicts import INCONCLUSIVE_PREFIX, Outcome, Recorder, Tally

OPTIONS = (
    # flag, ini key, help, default
    ("--upscale-target", "upscale_target", "`local` (start the reference server) or a target's base URL.", "local"),
    ("--upscale-api-key", "upscale_api_key", "API key for the target (default: $PHOTOROOM_API_KEY).", ""),
    ("--upscale-profile", "upscale_profile", "Contract profile name or path (default: the default profile).", ""),
    ("--upscale-budget", "upscale_budget", "At most this many requests in the whole run, split across workers.", ""),
    ("--upscale-quick", "upscale_quick", "Fewer examples, every clause at least once (the CI smoke setting).", ""),
    ("--upscale-economy", "upscale_economy",
     "Spend as on a paid target: each answer judged on every clause it can show, no redundant calls "
     "(default: on for any host but loopback; set 1 to force it on a loopback target, 0 to turn it off).", ""),
    ("--upscale-allow-negative", "upscale_allow_negative",
     "Send the hostile-input group (ROB-*) in economy too, i.e. to a paid target (off there by default). Errors "
     "cost nothing on the vendor; only inputs that may be valid after all are billed if answered 200.", ""),
    ("--upscale-summary", "upscale_summary", "Write the per-clause summary JSON to this path.", ""),
    ("--upscale-cache", "upscale_cache", "Folder of the on-disk response cache (off unless set).", ""),
    ("--upscale-timeout", "upscale_timeout",
     "Seconds to wait for one whole answer, headers and body (default: 120). An answer that times out "
     "is not repeated (it may have been billed) and ends the run's calls to the target: inconclusive.", ""),
    ("--upscale-golden-dir", "upscale_golden_dir",
     "Golden store (default: fixtures/goldens in the checkout, else ./goldens, falling back to the shipped "
     "goldens when it holds none for the target).", ""),
    ("--upscale-golden-target", "upscale_golden_target",
     "Whose goldens to compare with: a name (default: `local` for the reference server, else the target's host; "
     "the port is never part of it).", ""),
)
_REPORT_KEY = "upscale"
LOCAL_KEY = Secret("local-" + secrets.token_hex(8))
_tally: Tally | None = None  # pytest_runtest_logreport gets no config, so the tally lives here
_secrets: list[Secret] = []  # keys in use this session, scrubbed from every report


def pytest_addoption(parser):
    group = parser.getgroup("upscale-conformance", "AI Upscale conformance")
    for flag, ini, help_text, default in OPTIONS:
        group.addoption(flag, dest=ini, default=None, help=help_text)
        parser.addini(ini, help_text, default=default)


def option(config, ini: str) -> str:
    """A flag if given, else the ini value."""
    value = config.getoption(ini, default=None)
    return str(value) if value not in (None, "") else str(config.getini(ini) or "")


def is_local(target: str) -> bool:
    return target == "local" or urlparse(target).hostname in ("127.0.0.1", "localhost", "::1")


def switch(value: str | None, default: bool) -> bool:
    """An on/off setting: 1/true/yes/on or 0/false/no/off; anything else (unset) is ``default``.

    >>> switch("off", True), switch("YES", False), switch("", True)
    (False, True, True)
    """
    value = (value or "").strip().lower()
    if value in ("0", "false", "no", "off"):
        return False
    return value in ("1", "true", "yes", "on") or default


def clause_ids(node) -> list[str]:
    """The clause IDs a test is marked with (``@pytest.mark.clause``)."""
    return [c for m in node.iter_markers("clause") for c in m.args]


def economy(config) -> bool:
    """Whether calls may cost money: then every call must serve a verdict (README, "Paid targets")."""
    return switch(option(config, "upscale_economy"), not is_local(option(config, "upscale_target") or "local"))


def quick(config) -> bool:
    """Whether this is the smoke setting (``--upscale-quick 1``); ``0`` or unset is the full run."""
    return switch(option(config, "upscale_quick"), False)


def allow_negative(config) -> bool:
    """Whether the hostile-input group runs in economy (``--upscale-allow-negative 1``)."""
    return switch(option(config, "upscale_allow_negative"), False)


def api_key(config) -> Secret:
    """The run's key: the reference server's own for ``local``, else the option or the environment."""
    if option(config, "upscale_target") in ("", "local"):
        return LOCAL_KEY
    return Secret.from_sources(option(config, "upscale_api_key") or None)


def golden_target(config) -> str:
    """Whose goldens this run compares with (a bad ``--upscale-golden-target`` is a usage error)."""
    from .contract import is_sandbox_key
    from .goldens.keys import golden_target_for, golden_target_name

    chosen = option(config, "upscale_golden_target") or None
    if chosen:
        try:
            golden_target_name(chosen)
        except ValueError as exc:
            raise pytest.UsageError(f"--upscale-golden-target: {exc}") from None
    return golden_target_for(option(config, "upscale_target") or "local", chosen,
                             sandbox=is_sandbox_key(api_key(config).reveal()))


@pytest.fixture(scope="session")
def upscale_economy(pytestconfig) -> bool:
    """True when the run spends as on a paid target (tests then skip what another test's answer shows)."""
    return economy(pytestconfig)


def pytest_configure(config):
    config.addinivalue_line("markers", "clause(*ids): contract clause IDs (contracts/clauses.yaml) this test checks")
    try:  # a bad profile (flag or ini key) is a usage error here, not a traceback per module at collection
        load_profile(option(config, "upscale_profile") or None)
    except ConformanceError as exc:
        raise pytest.UsageError(f"--upscale-profile: {exc}") from None
    from .hypothesis_profiles import choose

    choose(config, not economy(config), quick(config))
    global _tally
    # Only the process that writes the summary keeps a tally; xdist workers ship their reports to it.
    _tally = None if hasattr(config, "workerinput") else Tally()


def pytest_collection_modifyitems(session, config, items):
    known = load_clauses()
    for item in items:
        for mark in item.iter_markers("clause"):
            unknown = [c for c in mark.args if c not in known]
            if unknown:
                raise pytest.UsageError(f"{item.nodeid}: unknown clause ID(s) {unknown} (see contracts/clauses.yaml)")


# --- session fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def upscale_profile(pytestconfig):
    """The active contract profile."""
    try:
        return load_profile(option(pytestconfig, "upscale_profile") or None)
    except ConformanceError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.fixture(scope="session")
def upscale_target(pytestconfig, upscale_profile):
    """The base URL under test; ``local`` starts the reference server for the session."""
    target = option(pytestconfig, "upscale_target") or "local"
    if target != "local":
        yield target.rstrip("/")
        return
    from .server import serve_in_thread

    # The server pins a fresh key so that the invalid-key clause is checked for real.
    with serve_in_thread(profile=upscale_profile.path, api_key=LOCAL_KEY.reveal()) as url:
        yield url


DEFAULT_TIMEOUT = 120.0


def answer_timeout(config) -> float:
    """Seconds to wait for one whole answer (``--upscale-timeout``; a bad value is a usage error)."""
    raw = option(config, "upscale_timeout")
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise pytest.UsageError(f"--upscale-timeout must be a number of seconds above 0, got {raw!r}")
    return value


def say(line: str) -> None:
    """A progress line for the user while a call waits (from the client's watch thread).

    Written to file descriptor 2 itself: ``upscale-conformance run`` captures only ``sys`` streams, so
    the line reaches the terminal mid-test; under pytest's default fd capture it lands in the test's
    captured stderr instead."""
    try:
        os.write(2, f"\n  {_scrub(line)}\n".encode())
    except OSError:
        pass


@pytest.fixture(scope="session")
def upscale_client(pytestconfig, upscale_target, upscale_profile):
    from .client import Budget, ResponseCache, UpscaleClient
    from .guard import bounds_for

    raw = option(pytestconfig, "upscale_budget")
    try:
        budget = Budget(int(raw) if raw else None)
    except ValueError:
        raise pytest.UsageError(f"--upscale-budget must be a whole number, got {raw!r}") from None
    worker = getattr(pytestconfig, "workerinput", None)
    if worker:  # each xdist worker gets its share, so the run as a whole stays within the budget
        budget = budget.split(int(worker["workercount"]), int(worker["workerid"].removeprefix("gw")))
    key = api_key(pytestconfig)
    _secrets.append(key)
    cache_dir = option(pytestconfig, "upscale_cache")
    client = UpscaleClient(upscale_target, key, budget, cache=ResponseCache(cache_dir) if cache_dir else None,
                           timeout=answer_timeout(pytestconfig), bounds=bounds_for(upscale_profile), say=say)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="session")
def upscale_target_state():
    """Shared by every sender of the run: once the target is found dead, later tests skip at once."""
    return {"dead": ""}


@pytest.fixture(scope="session")
def upscale_evidence_dir(pytestconfig, tmp_path_factory):
    """Where checks write evidence files (diff images): beside the summary, else a temporary folder."""
    summary = option(pytestconfig, "upscale_summary")
    from pathlib import Path

    folder = Path(summary).parent / "evidence" if summary else tmp_path_factory.mktemp("evidence")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def verdict(request, upscale_evidence_dir):
    """The test's recorder: ``verdict.check(violations...)`` and ``verdict.observe(clause, ...)``."""
    recorder = Recorder()
    request.node._upscale_recorder = recorder
    request.node._upscale_exchange = None
    recorder.keep_evidence = lambda v: _keep_pictures(v, request.node, upscale_evidence_dir)
    return recorder


def _keep_pictures(violation, node, folder) -> None:
    """Thumbnails of the request and the answer behind a violation, beside the summary, for index.html."""
    from .report.pictures import save_exchange

    exchange = getattr(node, "_upscale_exchange", None)
    if exchange is not None and "input_image" not in violation.evidence:
        violation.evidence.update(save_exchange(*exchange, folder, node.nodeid))
    _attach_to_allure(violation)


def _attach_to_allure(violation) -> None:
    """The pictures and the curl reproduction, as Allure attachments of the running test."""
    import allure

    for key in ("input_image", "output_image", "diff_image"):
        if violation.evidence.get(key):
            allure.attach.file(violation.evidence[key], name=f"{violation.clause} {key.removesuffix('_image')}",
                               attachment_type=allure.attachment_type.PNG)
    if violation.evidence.get("curl"):
        allure.attach(_scrub(violation.evidence["curl"]), name=f"{violation.clause} curl",
                      attachment_type=allure.attachment_type.TEXT)


def _allure_parameters(req) -> None:
    """What the test's (last) request asked for, as Allure parameters."""
    import allure

    size = f"{len(req.image):,} B" if req.image is not None else "none"
    for name, value in (("mode", req.mode), ("model header", req.model_version or "none"),
                        ("export format", req.export_format or "png (default)"), ("imageFile", size)):
        allure.dynamic.parameter(name, value)


@pytest.fixture(autouse=True)
def _clause_labels(request):
    """Every suite test carries its clause IDs into the reports: a `clauses` property of its JUnit test
    case, and tags and a `clause` label in Allure."""
    clauses = clause_ids(request.node)
    if clauses:
        import allure

        request.node.user_properties.append(("clauses", " ".join(clauses)))
        allure.dynamic.parameter("profile", option(request.config, "upscale_profile") or "default")
        for cid in clauses:
            allure.dynamic.tag(cid)
            allure.dynamic.label("clause", cid)
    yield


@pytest.fixture
def upscale_guarded(upscale_target_state):
    """Call ``fn(*args)`` against the target; a dead target, a spent budget or a rate limit make the
    test inconclusive (a skip Hypothesis does not shrink), never failed."""

    def guarded(fn, *args, **kwargs):
        if upscale_target_state["dead"]:
            pytest.skip(INCONCLUSIVE_PREFIX + upscale_target_state["dead"])
        try:
            return fn(*args, **kwargs)
        except (TargetUnreachable, AnswerTimedOut, AnswerTooLarge) as exc:
            # Later tests skip at once: a target that gave no answer, or one past any the contract
            # allows, would cost every later test the same wait or the same read (and a timed-out
            # request may have been billed). The message names the answer.
            upscale_target_state["dead"] = str(exc)
            pytest.skip(INCONCLUSIVE_PREFIX + str(exc))
        except CreditsExhausted as exc:
            upscale_target_state["dead"] = str(exc)  # every later call would get the same 402
            pytest.skip(INCONCLUSIVE_PREFIX + str(exc))
        except (BudgetExhausted, RateLimited) as exc:
            pytest.skip(INCONCLUSIVE_PREFIX + str(exc))

    return guarded


@pytest.fixture
def upscale(upscale_client, upscale_guarded, verdict, request):
    """Send an UpscaleRequest through the run's client and budget; see ``upscale_guarded``."""
    node = request.node
    node._upscale_calls_before = upscale_client.budget.spent
    node._upscale_billable_before = upscale_client.budget.billable
    node._upscale_budget = upscale_client.budget

    def send(req):
        result = upscale_guarded(upscale_client.send, req)
        verdict.sent(result.elapsed)
        node._upscale_exchange = (req, result)  # the last exchange: pictured if a check fails on it
        _allure_parameters(req)
        return result

    return send


# --- reports -------------------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    _scrub_report(report)
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    recorder = getattr(item, "_upscale_recorder", None)
    budget = getattr(item, "_upscale_budget", None)
    payload = recorder.payload() if recorder else {"violations": [], "observations": [], "cases": 0,
                                                   "target_seconds": 0.0}
    payload["clauses"] = clause_ids(item)
    payload["calls"] = budget.spent - item._upscale_calls_before if budget else 0
    payload["billable"] = budget.billable - item._upscale_billable_before if budget else 0
    payload["seconds"] = report.duration
    report.user_properties.append((_REPORT_KEY, _scrub(json.dumps(payload, default=str))))


def _scrub(text: str) -> str:
    for key in _secrets:
        text = key.scrub(text)
    return text


def _scrub_report(report) -> None:
    """A failure's text may quote a request (a library's curl line, say): the key must not reach
    the terminal, JUnit XML or Allure. The traceback is replaced by its scrubbed text."""
    if report.longrepr is None or not _secrets:
        return
    if isinstance(report.longrepr, tuple):  # a skip: (path, line, reason), and pytest needs the tuple
        path, line, reason = report.longrepr
        report.longrepr = (_scrub(str(path)), line, _scrub(str(reason)))
    else:
        text = str(report.longrepr)
        clean = _scrub(text)
        if clean != text:
            report.longrepr = clean
    report.sections = [(title, _scrub(content)) for title, content in report.sections]


def pytest_runtest_logreport(report):
    tally = _tally
    if tally is None or report.when not in ("setup", "call"):
        return
    data = dict(report.user_properties).get(_REPORT_KEY)
    if data is None:
        return
    payload = json.loads(data)
    if isinstance(report, SubtestReport):
        # A subtest (Schemathesis runs one per operation) shares its test's recorder: keep its outcome,
        # which may be the only place an inconclusive skip shows, but count its work once, on the test.
        payload.update(calls=0, billable=0, cases=0, seconds=0.0, target_seconds=0.0)
    skipped = report.skipped and isinstance(report.longrepr, tuple) and str(report.longrepr[2]) or ""
    inconclusive = skipped.split(INCONCLUSIVE_PREFIX, 1)[1] if INCONCLUSIVE_PREFIX in skipped else ""
    tally.add(Outcome(
        clauses=tuple(payload["clauses"]), passed=report.passed, failed=report.failed,
        inconclusive=inconclusive, skipped=skipped if not inconclusive else "",
        violations=payload["violations"], observations=payload["observations"], cases=payload["cases"],
        calls=payload["calls"], billable=payload.get("billable", 0), nodeid=report.nodeid,
        seconds=payload.get("seconds", 0.0),
        target_seconds=payload.get("target_seconds", 0.0), subtest=isinstance(report, SubtestReport),
        judged=tuple(payload.get("judged", ())),
        error=str(report.longreprtext)[-800:] if report.failed else "",
    ))


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    path = option(config, "upscale_summary")
    if _tally is None or not path:
        return
    from .reporting import write_summary

    profile = load_profile(option(config, "upscale_profile") or None)
    write_summary(path, _tally, profile, target=option(config, "upscale_target") or "local",
                  pytest_exit=int(exitstatus))

