"""From test reports to the run's summary: each report carries its test's findings (so they survive
pytest-xdist), scrubbed of every key; the process that writes the summary folds them into a Tally."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from _pytest.subtests import SubtestReport

from ..contract import load_clauses, load_profile
from ..verdicts import INCONCLUSIVE_PREFIX, Outcome, Tally
from .evidence import clause_ids
from .options import option
from .state import TALLY, TEST, scrub, secrets

REPORT_KEY = "upscale"


def pytest_configure(config):
    # Only the process that writes the summary keeps a tally; xdist workers ship their reports to it.
    if not hasattr(config, "workerinput"):
        config.stash[TALLY] = Tally()
        config.pluginmanager.register(TallyCollector(config.stash[TALLY]), "upscale-conformance-tally")


def pytest_collection_modifyitems(session, config, items):
    known = load_clauses()
    for item in items:
        for mark in item.iter_markers("clause"):
            unknown = [c for c in mark.args if c not in known]
            if unknown:
                raise pytest.UsageError(f"{item.nodeid}: unknown clause ID(s) {unknown} (see contracts/clauses.yaml)")


def pytest_collection_finish(session):
    """A suite run's modules, fixtures and cases, all in memory once collected, live until the process ends:
    frozen, Python's cycle collector stops walking them again and again (a sixth of a short run's CPU)."""
    if any(item.get_closest_marker("clause") for item in session.items):
        gc.freeze()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    _scrub_report(report, item.config)
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    state = item.stash.get(TEST, None)
    payload = state.recorder.payload() if state else {"violations": [], "observations": [], "cases": 0,
                                                      "target_seconds": 0.0}
    budget = state.budget if state else None
    payload["clauses"] = clause_ids(item)
    payload["calls"] = budget.spent - state.calls_before if budget else 0
    payload["billable"] = budget.billable - state.billable_before if budget else 0
    payload["outages"] = state.outages() if state else []
    payload["drops"] = state.drops() if state else []
    payload["model_versions"] = sorted(state.model_versions or ()) if state else []
    payload["seconds"] = report.duration
    if state is not None and state.recorder.final and call.excinfo is not None:
        hypothesis_evidence(payload["violations"], state.recorder, call.excinfo.value)
        _complete_bundles(payload["violations"], item.config)
    report.user_properties.append((REPORT_KEY, scrub(item.config, json.dumps(payload, default=str))))


def hypothesis_evidence(violations: list[dict], recorder, exc: BaseException) -> None:
    """The smallest failing input's findings (``smallest_input``, set in Hypothesis's final replay) get what
    Hypothesis drew and how to reproduce it, from the notes it added to the failure (print_blob: the
    ``@reproduce_failure`` line). Failure bundles store ``evidence["hypothesis"]`` as it is."""
    from .profiles import shrinks

    notes = [str(n) for n in getattr(exc, "__notes__", ())]
    # The example and the blob; the explain phase's "lines only failing cases ran" describe no input.
    kept = [n for n in notes if n.startswith(("Failing test case:", "Falsifying example:", "Draw "))
            or "@reproduce_failure(" in n]
    drawn = [" ".join(n.split()) for n in kept if n.startswith("Draw ")] + given_arguments(kept)
    shrunk = recorder.first_failing_input is not None and any(
        v["evidence"].get("smallest_input") != recorder.first_failing_input for v in violations
        if "smallest_input" in v["evidence"])
    stopped = recorder.stopped_early or ("" if shrinks() else "not shrunk: the profile has no shrink phase")
    info = {"reproduce": "\n".join(n.strip("\n") for n in kept)[:4000], "shrunk": shrunk, "stopped_early": stopped}
    for v in violations:
        if "smallest_input" in v["evidence"]:
            sent = v["evidence"]["smallest_input"]
            v["evidence"]["smallest_input"] = "; ".join(filter(None, [sent, *drawn]))
            v["evidence"]["hypothesis"] = info


def _complete_bundles(violations: list[dict], config) -> None:
    """The smallest failing input's bundle gets what Hypothesis said of it (known only once the test has
    failed, after the bundle was written in the final replay): ``hypothesis.json`` beside ``check.json``."""
    summary = option(config, "upscale_summary")
    for v in violations:
        evidence = v["evidence"]
        if "hypothesis" not in evidence or not evidence.get("bundle"):
            continue
        folder = Path(summary).parent / evidence["bundle"] if summary else Path(evidence["bundle"])
        if folder.is_dir():
            text = json.dumps({"smallest_input": evidence.get("smallest_input", ""), **evidence["hypothesis"]},
                              indent=2)
            (folder / "hypothesis.json").write_text(scrub(config, text) + "\n")


def given_arguments(notes: list[str]) -> list[str]:
    """``name=value`` of each generated argument in Hypothesis's "Failing test case: test(...)" note; the
    fixtures (and arguments the explain phase found free to vary) print with no value and are left out."""
    head = next((n for n in notes if n.startswith(("Failing test case:", "Falsifying example:"))), "")
    if "(" not in head:
        return []
    inner = head[head.index("(") + 1: head.rindex(")")]
    inner = " ".join(line.split("#", 1)[0].strip() for line in inner.splitlines())
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(inner + ","):  # split at the commas between arguments, not inside a repr
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            parts.append(inner[start:i].strip())
            start = i + 1
    return [p for p in parts if "=" in p and p.split("=", 1)[1].strip()]


def _scrub_report(report, config) -> None:
    """A failure's text may quote a request (a library's curl line, say): the key must not reach
    the terminal, JUnit XML or Allure. The traceback is replaced by its scrubbed text."""
    if report.longrepr is None or not secrets(config):
        return
    if isinstance(report.longrepr, tuple):  # a skip: (path, line, reason), and pytest needs the tuple
        path, line, reason = report.longrepr
        report.longrepr = (scrub(config, str(path)), line, scrub(config, str(reason)))
    else:
        text = str(report.longrepr)
        clean = scrub(config, text)
        if clean != text:
            report.longrepr = clean
    report.sections = [(title, scrub(config, content)) for title, content in report.sections]


class TallyCollector:
    """Folds every test report (this process's or a worker's) into the run's tally."""

    def __init__(self, tally: Tally):
        self.tally = tally

    def pytest_runtest_logreport(self, report):
        if report.when not in ("setup", "call"):
            return
        data = dict(report.user_properties).get(REPORT_KEY)
        if data is None:
            return
        payload = json.loads(data)
        if isinstance(report, SubtestReport):
            # A subtest (Schemathesis runs one per operation) shares its test's recorder: keep its outcome,
            # which may be the only place an inconclusive skip shows, but count its work once, on the test.
            payload.update(calls=0, billable=0, cases=0, seconds=0.0, target_seconds=0.0, outages=[])
        skipped = report.skipped and isinstance(report.longrepr, tuple) and str(report.longrepr[2]) or ""
        inconclusive = skipped.split(INCONCLUSIVE_PREFIX, 1)[1] if INCONCLUSIVE_PREFIX in skipped else ""
        self.tally.add(Outcome(
            clauses=tuple(payload["clauses"]), passed=report.passed, failed=report.failed,
            inconclusive=inconclusive, skipped=skipped if not inconclusive else "",
            violations=payload["violations"], observations=payload["observations"], cases=payload["cases"],
            calls=payload["calls"], billable=payload.get("billable", 0), nodeid=report.nodeid,
            seconds=payload.get("seconds", 0.0),
            target_seconds=payload.get("target_seconds", 0.0), subtest=isinstance(report, SubtestReport),
            judged=tuple(payload.get("judged", ())), blocked=tuple(payload.get("blocked", ())),
            error=str(report.longreprtext)[-800:] if report.failed else "",
        ))
        self.tally.outages.extend(payload.get("outages", []))
        self.tally.drops.extend(payload.get("drops", []))
        self.tally.model_versions.update(payload.get("model_versions", []))


def selection(config) -> str:
    """How the run was narrowed on purpose, as the user asked it: ``-k``, ``-m``, quick ("" for a whole run)."""
    from .options import quick

    parts = [f"{flag} {value!r}" for flag, value in (("-k", config.getoption("keyword", "")),
                                                     ("-m", config.getoption("markexpr", ""))) if value]
    return ", ".join(parts + (["quick"] if quick(config) else []))


@pytest.hookimpl(tryfirst=True)  # before junitxml writes its file: the unjudged clauses' reasons go into it
def pytest_sessionfinish(session, exitstatus):
    config = session.config
    path = option(config, "upscale_summary")
    tally = config.stash.get(TALLY, None)
    if tally is None or not path:
        return
    from datetime import UTC, datetime

    from ..report.deciding import decide
    from ..report.summary import summary_record, write_summary
    from .options import golden_target, known_failures

    # Decide (pure), then write: the levels, the entries and the date are read here, once.
    profile = load_profile(option(config, "upscale_profile") or None)
    clauses = load_clauses()
    known, known_file = known_failures(config)
    decision = decide(tally.outcomes, {cid: profile.level_of(c) for cid, c in clauses.items()},
                      pytest_exit=int(exitstatus), known=known, today=datetime.now(UTC).date(), known_file=known_file,
                      selection=selection(config))
    record = summary_record(tally, decision, {cid: c.promise for cid, c in clauses.items()},
                            target=option(config, "upscale_target") or "local", profile=profile.id,
                            golden_target=golden_target(config))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_summary(record, path)
    _unjudged_into_junit(config, decision.verdicts)
    if known is not None and decision.exit_code == 0 and exitstatus == pytest.ExitCode.TESTS_FAILED:
        session.exitstatus = pytest.ExitCode.OK  # every failure is known: plain pytest passes the gate too


def _unjudged_into_junit(config, verdicts) -> None:
    """Every NOT RUN, BLOCKED and INCONCLUSIVE clause with its reason, as properties of the JUnit file's test
    suite (``clause ID``: ``VERDICT: reason``): a CI page that shows only JUnit says what was not judged."""
    from _pytest.junitxml import xml_key

    xml = config.stash.get(xml_key, None)
    if xml is None:
        return
    for cid, v in verdicts.items():
        if v.reason:
            xml.add_global_property(f"clause {cid}", scrub(config, f"{v.verdict}: {v.reason}"))
