"""Known failures (history/known.py): the strict file format, matching, expiry, and KNOWN's place among
the verdicts and in the exit code. No server, no process."""

from __future__ import annotations

import json
from datetime import date

import pytest
import yaml

from upscale_conformance.contract import load_clauses, load_profile
from upscale_conformance.history.known import (
    MAX_EXPIRY_DAYS,
    TODO_REASON,
    KnownFailuresError,
    draft_entries,
    dump,
    parse_file,
    parse_text,
)
from upscale_conformance.history.records import Finding, finding_of, from_file
from upscale_conformance.report import render, summary_problems
from upscale_conformance.report.deciding import decide
from upscale_conformance.report.summary import print_table, summary_record, write_summary
from upscale_conformance.verdicts import FAIL, KNOWN, Outcome, Tally, exit_code

TODAY = date(2026, 6, 1)
FP = "FIDELITY-GEOMETRY/fidelity_mirrored/ai.fast/-/png/PNG"


def violation(clause="FIDELITY-GEOMETRY", code="fidelity_mirrored", mode="ai.fast", fmt="png", kind="PNG"):
    return {"clause": clause, "code": code, "message": "m",
            "evidence": {"asked": {"mode": mode, "model_version": "", "export_format": fmt, "input_kind": kind}}}


def entry(match: str, expires: str = "2026-08-01") -> str:  # 61 days after TODAY: within the 90-day limit
    return f"- {match}\n  reason: vendor ticket 42\n  link: https://example.invalid/42\n  expires: {expires}\n"


def tally(*violations, error: bool = False, clauses=("FIDELITY-GEOMETRY",)) -> Tally:
    t = Tally()
    t.add(Outcome(clauses=clauses, failed=True, violations=list(violations), error="boom" if error else ""))
    t.add(Outcome(clauses=("DIM-4X",), passed=True))
    return t


def verdicts_after(text: str, t: Tally, today: date = TODAY):
    decision = decide(t.outcomes, {"FIDELITY-GEOMETRY": "must", "DIM-4X": "must", "LIMIT-SLOW-EDGE": "must"},
                      known=parse_text(text, today=TODAY), today=today)
    return decision.verdicts, {**decision.known, "clauses": decision.known_lines}


def written_summary(path, t: Tally, text: str, pytest_exit: int, known_file: str = "") -> dict:
    """Decide (as of TODAY), write and read back summary.json."""
    profile = load_profile(None)
    decision = decide(t.outcomes, {cid: profile.level_of(c) for cid, c in load_clauses().items()},
                      pytest_exit=pytest_exit, known=parse_text(text, today=TODAY), today=TODAY, known_file=known_file)
    write_summary(summary_record(t, decision, {}, target="local", profile=profile.id), path)
    return json.loads(path.read_text())


# --- the format ---------------------------------------------------------------------------------------------

def test_a_good_file_parses_with_lines_fingerprints_and_patterns():
    text = entry(f"fingerprint: {FP}") + entry("pattern: {clause: 'LIMIT-*', model: ai-upscale-*}")
    first, second = parse_text(text, today=TODAY)
    assert (first.line, first.fingerprint, first.expires, first.link) == (1, FP, date(2026, 8, 1),
                                                                         "https://example.invalid/42")
    assert second.line == 5 and dict(second.pattern) == {"clause": "LIMIT-*", "model": "ai-upscale-*"}
    assert parse_text("") == [] and parse_text("# nothing yet\n") == []


@pytest.mark.parametrize(("text", "line", "says"), [
    ("- fingerprint: [unclosed\n", 2, "not YAML"),
    ("fingerprint: x\n", 1, "a list of entries"),
    (entry(f"fingerprint: {FP}") + "  owner: me\n", 5, "unknown key `owner`"),
    (f"- fingerprint: {FP}\n  expires: 2026-12-31\n", 1, "`reason` is required"),
    (f"- fingerprint: {FP}\n  reason: ''\n  expires: 2026-12-31\n", 2, "`reason` is required"),
    (f"- fingerprint: {FP}\n  reason: r\n", 1, "`expires` is required"),
    (entry(f"fingerprint: {FP}", "2026-02-30"), 4, "must be a date"),
    (entry(f"fingerprint: {FP}", "next week"), 4, "must be a date"),
    (entry(f"fingerprint: {FP}", "2026-12-31 10:00"), 4, "must be a date"),
    (entry("fingerprint: NO-SUCH/x/-/-/-/-"), 1, "unknown clause ID 'NO-SUCH'"),
    (entry("fingerprint: DIM-4X/size_not_4x"), 1, "a fingerprint is"),
    (entry("pattern: {clause: 'NOPE-*'}"), 1, "unknown clause ID 'NOPE-*'"),
    (entry("pattern: {status: 500}"), 1, "not `status`"),
    (entry("pattern: {}"), 1, "`pattern` takes"),
    (entry(f"fingerprint: {FP}\n  pattern: {{code: x}}"), 1, "not both"),
    ("- reason: r\n  expires: 2026-12-31\n", 1, "not both and not neither"),
    (entry(f"fingerprint: {FP}") + entry(f"fingerprint: {FP}") + "  reason: again\n", 9, "given twice"),
])
def test_a_bad_file_is_refused_naming_its_line(text, line, says):
    with pytest.raises(KnownFailuresError) as raised:
        parse_text(text, "known.yaml", TODAY)
    assert f"known.yaml:{line}:" in str(raised.value) and says in str(raised.value), str(raised.value)


# --- the guard rails: one line must not turn a whole run green for good ---------------------------------------

@pytest.mark.parametrize(("text", "line", "says"), [
    (entry("pattern: {clause: '*'}", "9999-12-31"), 1, "would accept a failure of every clause"),
    (entry("pattern: {clause: '*'}"), 1, "would accept a failure of every clause"),
    (entry("pattern: {mode: ai.fast}"), 1, "would accept a failure of every clause"),  # no clause: every clause
    (entry("pattern: {clause: '*', code: '*', model: '-'}"), 1, "would accept a failure of every clause"),
    (entry("pattern: {clause: '[A-Z]*'}"), 1, "would accept a failure of every clause"),
    (entry(f"fingerprint: {FP}") + entry("pattern: {clause: '*-*'}"), 5, "of every clause"),
    (entry(f"fingerprint: {FP}", "2027-06-01"), 4, "more than 90 days after 2026-06-01"),
    (entry(f"fingerprint: {FP}", "2026-08-31"), 4, "latest 2026-08-30"),  # day 91
    (f"- fingerprint: {FP}\n  reason: '{TODO_REASON}'\n  expires: 2026-07-01\n", 2, "the draft's placeholder"),
    (f"- fingerprint: {FP}\n  reason: 'ticket 42 (todo: why this is accepted)'\n  expires: 2026-07-01\n", 2,
     "the draft's placeholder"),
    ("max_expiry_days: 14\nentries:\n" + entry(f"fingerprint: {FP}", "2026-06-16"), 6, "more than 14 days"),
    ("max_expiry_days: 120\nentries: []\n", 1, "from 1 to 90"),
    ("max_expiry_days: 0\nentries: []\n", 1, "from 1 to 90"),
    ("max_expiry_days: 30\n", 1, "`entries` is required"),
    ("max_days: 30\nentries: []\n", 1, "unknown key `max_days`"),
])
def test_a_catch_all_a_far_expiry_or_a_draft_reason_is_refused_naming_its_line(text, line, says):
    with pytest.raises(KnownFailuresError) as raised:
        parse_text(text, "known.yaml", TODAY)
    assert f"known.yaml:{line}:" in str(raised.value) and says in str(raised.value), str(raised.value)


def test_what_the_guard_rails_let_through():
    assert MAX_EXPIRY_DAYS == 90
    text = (entry("pattern: {code: fidelity_*}", "2026-08-30")  # every clause, but one code: a named failure
            + entry("pattern: {clause: 'LIMIT-*'}", "2026-06-01")  # some clauses; expires today
            + entry(f"fingerprint: {FP}", "2020-01-01"))  # long expired: counts as not known, as before
    assert [e.line for e in parse_text(text, today=TODAY)] == [1, 5, 9]
    stricter = "max_expiry_days: 14\nentries:\n" + "".join(
        "  " + line for line in entry(f"fingerprint: {FP}", "2026-06-15").splitlines(keepends=True))
    assert parse_text(stricter, today=TODAY)[0].expires == date(2026, 6, 15)
    assert parse_text("max_expiry_days: 14\nentries:\n", today=TODAY) == []


def test_an_unreadable_file_is_refused(tmp_path):
    with pytest.raises(KnownFailuresError, match="cannot read"):
        parse_file(tmp_path / "missing.yaml")
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(KnownFailuresError, match="cannot read"):
        parse_file(tmp_path / "bin.yaml")


# --- matching and expiry ------------------------------------------------------------------------------------

def test_a_fingerprint_matches_exactly_and_a_pattern_by_glob():
    fp, = parse_text(entry(f"fingerprint: {FP}"), today=TODAY)
    pat, = parse_text(entry("pattern: {clause: 'FIDELITY-*', code: 'fidelity_*', mode: ai.fast, model: '-'}"),
                      today=TODAY)
    same = finding_of(FP)
    other_format = Finding("FIDELITY-GEOMETRY", "fidelity_mirrored", "ai.fast", "", "jpeg", "PNG")
    slow = Finding("FIDELITY-GEOMETRY", "fidelity_mirrored", "ai.slow")
    with_model = Finding("FIDELITY-GEOMETRY", "fidelity_mirrored", "ai.fast", "ai-upscale-2025-07-29")
    assert fp.matches(same) and not fp.matches(other_format)
    assert pat.matches(same) and pat.matches(other_format) and not pat.matches(slow) and not pat.matches(with_model)


def test_an_entry_is_valid_through_its_date_and_expired_after():
    e, = parse_text(entry(f"fingerprint: {FP}", "2026-06-01"), today=TODAY)
    assert not e.expired(date(2026, 6, 1)) and e.expired(date(2026, 6, 2))


def test_a_clause_whose_every_failure_is_known_is_known_not_pass_and_the_gate_passes():
    verdicts, section = verdicts_after(entry(f"fingerprint: {FP}"), tally(violation()))
    assert verdicts["FIDELITY-GEOMETRY"].verdict == KNOWN and verdicts["DIM-4X"].verdict == "PASS"
    assert exit_code(verdicts) == 0
    assert section["entries"][0]["state"] == "known" and section["entries"][0]["findings"] == [FP]
    assert section["clauses"] == {"FIDELITY-GEOMETRY": [1]}


def test_a_new_failure_beside_a_known_one_fails():
    verdicts, _ = verdicts_after(entry(f"fingerprint: {FP}"), tally(violation(), violation(fmt="jpeg")))
    assert verdicts["FIDELITY-GEOMETRY"].verdict == FAIL and exit_code(verdicts) == 1


def test_every_failure_counts_not_only_the_evidence_the_summary_keeps():
    # Evidence keeps three findings per clause: a fourth, new one must still fail the clause.
    known = [violation(kind=k) for k in ("PNG", "JPEG", "WEBP")]
    text = "".join(entry(f"fingerprint: FIDELITY-GEOMETRY/fidelity_mirrored/ai.fast/-/png/{k}")
                   for k in ("PNG", "JPEG", "WEBP"))
    verdicts, _ = verdicts_after(text, tally(*known))
    assert verdicts["FIDELITY-GEOMETRY"].verdict == KNOWN
    verdicts, _ = verdicts_after(text, tally(*known, violation(kind="TIFF")))
    assert verdicts["FIDELITY-GEOMETRY"].verdict == FAIL


def test_an_expired_entry_counts_as_not_known():
    verdicts, section = verdicts_after(entry(f"fingerprint: {FP}", "2026-05-31"), tally(violation()))
    assert verdicts["FIDELITY-GEOMETRY"].verdict == FAIL and exit_code(verdicts) == 1
    assert section["entries"][0]["state"] == "expired"
    # ... unless another, unexpired entry accepts the same failure.
    verdicts, _ = verdicts_after(entry(f"fingerprint: {FP}", "2026-05-31") + entry("pattern: {code: fidelity_*}"),
                                 tally(violation()))
    assert verdicts["FIDELITY-GEOMETRY"].verdict == KNOWN


def test_a_clause_failed_by_an_exception_is_never_known():
    verdicts, _ = verdicts_after(entry("pattern: {clause: FIDELITY-GEOMETRY}"), tally(error=True))
    assert verdicts["FIDELITY-GEOMETRY"].verdict == FAIL


def test_an_entry_that_matched_nothing_is_passing_only_where_its_clauses_were_judged():
    text = entry("fingerprint: DIM-4X/size_not_4x/ai.fast/-/png/PNG") + entry("pattern: {clause: LIMIT-SLOW-EDGE}")
    _, section = verdicts_after(text, tally(violation()))
    assert [e["state"] for e in section["entries"]] == ["passing", "not seen"]  # LIMIT-SLOW-EDGE: NOT RUN


def test_known_takes_fail_s_place_over_inconclusive():
    t = tally(violation())
    t.add(Outcome(clauses=("FIDELITY-GEOMETRY",), inconclusive="the budget ran out"))
    verdicts, _ = verdicts_after(entry(f"fingerprint: {FP}"), t)
    assert verdicts["FIDELITY-GEOMETRY"].verdict == KNOWN


# --- the summary, the table, the page, triage ----------------------------------------------------------------

def test_the_summary_table_and_page_show_known_and_what_each_entry_did(tmp_path, capsys):
    from rich.console import Console

    text = entry(f"fingerprint: {FP}") + entry("fingerprint: DIM-4X/size_not_4x/ai.fast/-/png/PNG", "2026-01-01")
    summary = written_summary(tmp_path / "summary.json", tally(violation()), text, 1, "known.yaml")
    assert summary_problems(summary) == []
    clause = summary["clauses"]["FIDELITY-GEOMETRY"]
    assert clause["verdict"] == "KNOWN" and clause["known"] == [1] and clause["findings"] == [FP]
    assert summary["exit_code"] == 0  # pytest said 1, but every failure is known
    assert summary["verdict"] == "conformant with 1 known failure (first expiry 2026-08-01)"
    assert [e["state"] for e in summary["known_failures"]["entries"]] == ["known", "passing"]
    print_table(summary, Console(width=200, force_terminal=False))
    out = capsys.readouterr().out
    assert "KNOWN" in out and "known known.yaml:1" in out and "passes now known.yaml:5" in out
    assert "verdict: conformant with 1 known failure (first expiry 2026-08-01) (exit 0)" in out
    page = render(summary, tmp_path)
    assert 'class="KNOWN"' in page and 'id="known-failures"' in page and "remove it" in page
    assert '<div class="banner bknown">conformant with 1 known failure (first expiry 2026-08-01)' in page
    assert [f.fingerprint for f in from_file("summary.json", summary).findings] == [FP]


def test_the_known_verdict_is_not_the_clean_green_and_an_unmatched_finding_is_listed(tmp_path):
    from rich.console import Console

    from upscale_conformance.report.summary import verdict_style

    text = entry(f"fingerprint: {FP}")
    known = written_summary(tmp_path / "known.json", tally(violation()), text, 1, "known.yaml")
    clean = written_summary(tmp_path / "clean.json", tally(violation(clause="DIM-4X", code="size_not_4x"),
                                                           clauses=("DIM-4X",)), "", 0)
    assert verdict_style(known) != "green" and "green" not in render(known, tmp_path).split("banner b")[1][:8]
    assert clean["exit_code"] == 1 and verdict_style({**clean, "exit_code": 0, "clauses": {}}) == "green"
    new = written_summary(tmp_path / "new.json", tally(violation(), violation(kind="TIFF")), text, 1, "known.yaml")
    assert new["exit_code"] == 1 and new["known_failures"]["unmatched"] == [FP.replace("PNG", "TIFF")]
    assert summary_problems(new) == []
    console = Console(width=200, force_terminal=False, record=True)
    print_table(new, console)
    out = console.export_text()
    assert f"not known {FP.replace('PNG', 'TIFF')}: no entry of known.yaml matches" in out
    assert FP.replace("PNG", "TIFF") in render(new, tmp_path)


def test_an_expired_entry_says_so_in_the_table(tmp_path, capsys):
    from rich.console import Console

    summary = written_summary(tmp_path / "summary.json", tally(violation()), entry(f"fingerprint: {FP}", "2020-01-01"),
                              1)
    assert summary["exit_code"] == 1 and summary["clauses"]["FIDELITY-GEOMETRY"]["verdict"] == "FAIL"
    print_table(summary, Console(width=200, force_terminal=False))
    assert "expired on 2020-01-01" in capsys.readouterr().out


def test_a_draft_parses_back_and_accepts_the_findings_it_came_from():
    findings = [finding_of(FP), finding_of(FP), Finding("DIM-4X", "test_error")]
    entries = draft_entries(findings, TODAY)
    assert [e["fingerprint"] for e in entries] == [FP]  # one per finding; an exception is never known
    draft = dump(entries, "run r1")
    with pytest.raises(KnownFailuresError, match="known.yaml:4: `reason` still holds the draft's placeholder"):
        parse_text(draft, "known.yaml", TODAY)  # a draft is a person's to complete: refused as it is
    completed = draft.replace(TODO_REASON, "vendor ticket 42")
    parsed = parse_text(completed, today=TODAY)
    assert parsed[0].expires == date(2026, 7, 1) and parsed[0].reason == "vendor ticket 42"
    verdicts, _ = verdicts_after(completed, tally(violation()))
    assert verdicts["FIDELITY-GEOMETRY"].verdict == KNOWN
    assert json.dumps(yaml.safe_load(dump(entries, "r")), default=str)  # plain YAML a person can edit


def test_a_draft_has_no_yaml_anchors():
    text = dump(draft_entries([finding_of(FP), finding_of(FP.replace("PNG", "JPEG"))], TODAY), "r")
    assert "&" not in text and "*" not in text and text.count("expires: 2026-07-01") == 2


def test_triage_leaves_out_a_finding_already_known_in_a_clause_another_finding_fails(tmp_path):
    from upscale_conformance.history.triage import failing_findings, write_draft

    other = violation(code="fidelity_rotated")
    written_summary(tmp_path / "summary.json", tally(violation(), other), entry(f"fingerprint: {FP}"), 1)
    findings, source = failing_findings(None, str(tmp_path))
    assert [f.fingerprint for f in findings] == [FP.replace("mirrored", "rotated")]
    assert source == f"the report {tmp_path}"
    out = tmp_path / "drafts" / "known.yaml"
    entries = write_draft(findings, source, TODAY, out)
    assert [e["fingerprint"] for e in yaml.safe_load(out.read_text())] == [e["fingerprint"] for e in entries]
    with pytest.raises(KnownFailuresError, match="reason"):  # a draft until a person gives each its reason
        parse_file(out)
    assert f"from the report {tmp_path}" in out.read_text()


@pytest.mark.parametrize(("content", "says"), [("[1, 2]", "not a run summary"), ("{oops", "cannot read")])
def test_triage_of_a_summary_it_cannot_read_is_a_history_error(tmp_path, content, says):
    from upscale_conformance.history.store import HistoryError
    from upscale_conformance.history.triage import failing_findings

    (tmp_path / "summary.json").write_text(content)
    with pytest.raises(HistoryError, match=says):
        failing_findings(None, str(tmp_path / "summary.json"))
