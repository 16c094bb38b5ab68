"""Known failures: a YAML file the user commits that names failures accepted for a while.

An entry names findings by ``fingerprint`` (exact) or by ``pattern`` (any of ``clause``, ``code``,
``mode``, ``model``, shell-style globs), says why (``reason``, ``link``) and until when (``expires``,
valid through that day). A FAIL clause whose every failing finding is matched by an unexpired entry
becomes KNOWN: it no longer fails the gate, but it is never shown as PASS. An expired entry counts as
not known. A clause failed by an exception (no finding) is never known.

Guard rails, each a usage error naming the line: a pattern that would accept a failure of every clause
(or of every must clause) whatever its code; an expiry more than :data:`MAX_EXPIRY_DAYS` days ahead (a file
may lower that limit: ``max_expiry_days`` beside ``entries``); a reason still holding the draft's
placeholder (:data:`TODO_REASON`). One line must not be able to turn a whole run green for good.

>>> known = parse_text("- pattern: {clause: DIM-4X, mode: 'ai.*'}\\n  reason: r\\n  expires: 2026-01-31\\n",
...                    today=date(2026, 1, 1))
>>> known[0].matches(Finding("DIM-4X", "size_not_4x", "ai.slow")), known[0].expired(date(2026, 2, 1))
(True, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from ..contract import load_clauses
from ..errors import ConformanceError
from ..findings import normal_fingerprint, parse_fingerprint
from ..verdicts import FAIL, NO_FINDING, OBSERVED, PASS, ClauseVerdict
from .records import Finding, finding_from

KEYS = {"fingerprint", "pattern", "reason", "link", "expires"}
PATTERN_KEYS = {"clause", "code", "mode", "model"}  # model: the model version
TODO_REASON = "TODO: why this is accepted"
DRAFT_DAYS = 30
MAX_EXPIRY_DAYS = 90  # the furthest an entry may expire from the day it is read; a file may ask for less
FILE_KEYS = {"max_expiry_days", "entries"}  # the mapping form of a file: its own limit, then the list


class KnownFailuresError(ConformanceError):
    """The known-failures file cannot be read or breaks its format (a usage error, exit 2)."""

    code = "UC401"


@dataclass(frozen=True)
class KnownEntry:
    line: int  # 1-based, where the entry starts in its file
    reason: str
    expires: date
    link: str = ""
    fingerprint: str = ""
    pattern: tuple[tuple[str, str], ...] = ()  # (key, glob), keys from PATTERN_KEYS

    @property
    def match(self) -> str:
        """What the entry names, as a person reads it."""
        return self.fingerprint or " ".join(f"{k}={v}" for k, v in self.pattern)

    def matches(self, finding: Finding) -> bool:
        if finding.code == NO_FINDING:
            return False
        if self.fingerprint:
            return finding.fingerprint == self.fingerprint
        # An empty field reads "-" as in the fingerprint, so `model: "-"` names "no model header".
        values = {"clause": finding.clause, "code": finding.code, "mode": finding.mode or "-",
                  "model": finding.model_version or "-"}
        return all(fnmatchcase(values[k], glob) for k, glob in self.pattern)

    def expired(self, today: date) -> bool:
        return today > self.expires

    def clauses(self, known_clauses: Iterable[str]) -> list[str]:
        """The clause IDs this entry can match."""
        glob = parse_fingerprint(self.fingerprint)[0] if self.fingerprint else dict(self.pattern).get("clause", "*")
        return [c for c in known_clauses if fnmatchcase(c, glob)]


def parse_file(path: str | Path, today: date | None = None) -> list[KnownEntry]:
    """The entries of the file at ``path``, checked as of ``today`` (default: the local date)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnownFailuresError(f"{path}: cannot read the known-failures file: {exc}") from None
    return parse_text(text, str(path), today)


def parse_text(text: str, name: str = "known-failures", today: date | None = None) -> list[KnownEntry]:
    """Every entry, checked strictly as of ``today`` (default: the local date; an expiry is refused more than
    the file's limit of days after it); a problem raises :class:`KnownFailuresError` naming its line.
    The YAML nodes are read rather than the loaded values: they carry line numbers, and dates stay text
    (so only YYYY-MM-DD is a date, never a timestamp YAML happens to accept)."""
    today = today or date.today()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise KnownFailuresError(f"{name}{where}: not YAML: {problem}") from None
    if root is None:
        return []  # an empty file: nothing is known
    limit = MAX_EXPIRY_DAYS
    if isinstance(root, yaml.MappingNode):
        root, limit = _file_form(name, root)
    if not isinstance(root, yaml.SequenceNode):
        _fail(name, root, "expected a list of entries (each `- fingerprint: ...` or `- pattern: ...`)")
    clauses = load_clauses()
    entries = [_entry(name, node, clauses) for node in root.value]
    for node, e in zip(root.value, entries, strict=True):
        _guard(name, node, e, clauses, today, limit)
    return entries


def _file_form(name: str, root: yaml.MappingNode) -> tuple[yaml.Node, int]:
    """``max_expiry_days: N`` (1 to :data:`MAX_EXPIRY_DAYS`) and ``entries: [...]``: a team's stricter limit."""
    fields = _mapping(name, root, "the file")
    unknown = sorted(set(fields) - FILE_KEYS)
    if unknown:
        _fail(name, fields[unknown[0]], f"unknown key `{unknown[0]}` (a file is a list of entries, or a mapping "
                                        f"of {', '.join(sorted(FILE_KEYS))})")
    limit = MAX_EXPIRY_DAYS
    if "max_expiry_days" in fields:
        text = _text(name, fields["max_expiry_days"], "max_expiry_days")
        if not text.isdigit() or not 1 <= int(text) <= MAX_EXPIRY_DAYS:
            _fail(name, fields["max_expiry_days"],
                  f"`max_expiry_days` must be a whole number from 1 to {MAX_EXPIRY_DAYS}, got {text!r}")
        limit = int(text)
    if "entries" not in fields:
        _fail(name, root, "`entries` is required: the list of known failures")
    node = fields["entries"]
    if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
        node = yaml.SequenceNode("tag:yaml.org,2002:seq", [], node.start_mark, node.end_mark)
    return node, limit


def _everything(glob: str | None) -> bool:
    """A glob that matches any text at all (absent, or only ``*``)."""
    return glob is None or set(glob) <= {"*"}


def _guard(name: str, node: yaml.Node, e: KnownEntry, clauses: Mapping[str, Any], today: date, limit: int):
    """The rails a well-formed entry must still keep (see the module's docstring)."""
    fields = _mapping(name, node, "an entry")
    if e.pattern and _everything(dict(e.pattern).get("code")):
        covered = set(e.clauses(clauses))
        must = {c for c, clause in clauses.items() if clause.level == "must"}
        if covered >= must:
            what = "every clause" if covered >= set(clauses) else "every must clause"
            _fail(name, fields["pattern"], f"this pattern would accept a failure of {what}: name the clause "
                                           "(or the code) of the failure it accepts")
    if TODO_REASON.lower() in e.reason.lower():
        _fail(name, fields["reason"], f"`reason` still holds the draft's placeholder {TODO_REASON!r}: say why this "
                                      "failure is accepted, or delete the entry")
    if (e.expires - today).days > limit:
        _fail(name, fields["expires"], f"`expires` {e.expires.isoformat()} is more than {limit} days after "
                                       f"{today.isoformat()}: a known failure is accepted for a while, then "
                                       f"looked at again (latest {(today + timedelta(days=limit)).isoformat()})")


def _fail(name: str, node: yaml.Node, message: str):
    raise KnownFailuresError(f"{name}:{node.start_mark.line + 1}: {message}")


def _mapping(name: str, node: yaml.Node, what: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        _fail(name, node, f"{what} must be a mapping")
    out: dict[str, yaml.Node] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            _fail(name, key, f"{what}: keys must be plain words")
        if key.value in out:  # YAML would silently keep the last one
            _fail(name, key, f"{what}: `{key.value}` given twice")
        out[key.value] = value
    return out


def _text(name: str, node: yaml.Node, key: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        _fail(name, node, f"`{key}` must be text")
    return str(node.value).strip()


def _entry(name: str, node: yaml.Node, clauses: Mapping[str, Any]) -> KnownEntry:
    fields = _mapping(name, node, "an entry")
    unknown = sorted(set(fields) - KEYS)
    if unknown:
        _fail(name, fields[unknown[0]], f"unknown key `{unknown[0]}` (allowed: {', '.join(sorted(KEYS))})")
    if ("fingerprint" in fields) == ("pattern" in fields):
        _fail(name, node, "an entry has either `fingerprint` or `pattern`, not both and not neither")
    for required in ("reason", "expires"):
        if required not in fields or not _text(name, fields[required], required):
            _fail(name, fields.get(required, node), f"`{required}` is required")
    expires_text = _text(name, fields["expires"], "expires")
    try:
        expires = date.fromisoformat(expires_text)
    except ValueError:
        _fail(name, fields["expires"], f"`expires` must be a date, YYYY-MM-DD, got {expires_text!r}")
    fingerprint, pattern = "", ()
    if "fingerprint" in fields:
        try:  # as this version writes it: one written by an older run, quotes and all, still matches
            fingerprint = normal_fingerprint(_text(name, fields["fingerprint"], "fingerprint"))
        except ValueError as exc:
            _fail(name, fields["fingerprint"], str(exc))
        clause = parse_fingerprint(fingerprint)[0]
        if clause not in clauses:
            _fail(name, fields["fingerprint"], f"unknown clause ID {clause!r} (contracts/clauses.yaml)")
    else:
        given = _mapping(name, fields["pattern"], "`pattern`")
        bad = sorted(set(given) - PATTERN_KEYS)
        if bad or not given:
            _fail(name, given[bad[0]] if bad else fields["pattern"],
                  f"`pattern` takes any of {', '.join(sorted(PATTERN_KEYS))}"
                  + (f", not `{bad[0]}`" if bad else ""))
        pattern = tuple((k, _text(name, v, k)) for k, v in given.items())
        glob = dict(pattern).get("clause")
        if glob is not None and not any(fnmatchcase(c, glob) for c in clauses):
            _fail(name, given["clause"], f"unknown clause ID {glob!r}: it names no clause of contracts/clauses.yaml")
    link = _text(name, fields["link"], "link") if "link" in fields else ""
    return KnownEntry(node.start_mark.line + 1, _text(name, fields["reason"], "reason"), expires, link,
                      fingerprint, pattern)


def apply(verdicts: Mapping[str, ClauseVerdict], failures: Mapping[str, list[dict]], entries: list[KnownEntry],
          today: date, file: str = "") -> dict[str, Any]:
    """Which FAIL clauses are KNOWN (every failing finding known and unexpired: ``known``, changing nothing
    it is handed) and what each entry did: the ``known_failures`` section of ``summary.json`` (with
    ``unmatched``, the failing findings no entry names), and the entries behind each clause under
    ``clauses``. ``failures`` holds every failing finding of a clause (``Tally.failures``), not only the few
    the summary keeps as evidence."""
    matched: dict[int, set[str]] = {i: set() for i in range(len(entries))}
    by_clause: dict[str, set[int]] = {}
    known: list[str] = []
    unmatched: set[str] = set()  # failing findings no entry names: listed, so a user sees why none applied
    for cid, cv in verdicts.items():
        if cv.verdict != FAIL or not failures.get(cid):
            continue
        all_known = True
        for raw in failures[cid]:
            finding = finding_from(raw)
            hits = [i for i, e in enumerate(entries) if e.matches(finding)]
            if not hits:
                unmatched.add(finding.fingerprint)
            for i in hits:
                matched[i].add(finding.fingerprint)
                by_clause.setdefault(cid, set()).add(i)
            all_known &= any(not entries[i].expired(today) for i in hits)
        if all_known:
            known.append(cid)
    rows = []
    for i, e in enumerate(entries):
        if matched[i]:
            state = "expired" if e.expired(today) else "known"
        else:
            # Listed for removal only where its clauses were judged and kept; a clause not run tells nothing.
            judged = [verdicts[c].verdict in (PASS, OBSERVED) for c in e.clauses(verdicts)]
            state = "passing" if judged and all(judged) else "not seen"
        rows.append({"line": e.line, "match": e.match, "reason": e.reason, "link": e.link,
                     "expires": e.expires.isoformat(), "state": state, "findings": sorted(matched[i])})
    return {"file": file, "entries": rows, "unmatched": sorted(unmatched), "known": known,
            "clauses": {cid: sorted(entries[i].line for i in found) for cid, found in by_clause.items()}}


def draft_entries(findings: Iterable[Finding], today: date) -> list[dict[str, Any]]:
    """One entry per failing finding, for a person to complete (``history triage``)."""
    expires = today + timedelta(days=DRAFT_DAYS)
    unique = sorted({f.fingerprint for f in findings if f.code != NO_FINDING})
    return [{"fingerprint": fp, "reason": TODO_REASON, "link": "", "expires": expires} for fp in unique]


def dump(entries: list[dict[str, Any]], source: str) -> str:
    header = (f"# Known failures drafted by `upscale-conformance history triage` from {source}.\n"
              "# Give each a real reason and link, or delete it; see docs/history.md, \"Known failures\".\n")
    return header + yaml.dump(entries, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=200)


class _PlainDumper(yaml.SafeDumper):
    """No anchors (`&id001`) for a date every entry shares: a person edits each entry on its own."""

    def ignore_aliases(self, data):
        return True
