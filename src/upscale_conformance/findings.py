"""A finding: one broken promise (:class:`Violation`), typed in what was asked and what was measured.

What was asked (:class:`Asked`: mode, model version, export format, input kind) is what a finding is
known by across runs: its **fingerprint**, built and read back here and nowhere else. What was measured
(:class:`Measured`: the answer's status and content type, an error body's start, and the check's own
numbers) is what the check saw this time. ``evidence`` is the free-form rest: pictures, the bundle's
folder, the smallest failing input, what a suite adds of its own.

>>> v = Violation("size_not_4x", "DIM-4X", "160x120, expected 160x128", asked=Asked("ai.fast", "", "png", "PNG"))
>>> v.fingerprint
'DIM-4X/size_not_4x/ai.fast/-/png/PNG'
>>> parse_fingerprint("DIM-4X/size_not_4x/'ai.fast'/-/-/-")  # as runs before the typed findings wrote it
('DIM-4X', 'size_not_4x', Asked(mode='ai.fast', model_version='', export_format='', input_kind=''))
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

NONE = "-"  # an empty field in a fingerprint
# A value longer than this (a hostile mode of 10,000 characters) is written as its start and a digest, so a
# fingerprint stays readable and fits the store's column (400 characters).
LONGEST_PART = 60
# The exchange and the typed parts in summary.json's `evidence` (see Violation.as_dict); the rest is free-form.
_TYPED = ("request", "curl", "status", "content_type", "body", "asked", "measured", "check")


@dataclass(frozen=True)
class Asked:
    """What the request asked for: what a finding's fingerprint is made of (no pixel data, no key)."""

    mode: str = ""
    model_version: str = ""
    export_format: str = ""
    input_kind: str = ""  # the upload's format read from its bytes, or "raw body", "no image", "not an image"

    @classmethod
    def of(cls, data: Mapping[str, Any] | None) -> Asked:
        """From its JSON form (missing or null fields are empty)."""
        data = data or {}
        return cls(*(_plain(data.get(f.name)) for f in fields(cls)))

    @classmethod
    def from_request_line(cls, line: str) -> Asked:
        """From a one-line description of a request, as runs before ``asked`` was recorded wrote it
        (``upscale.mode=ai.fast, ...``, or the schema suite's ``upscale.mode='ai.fast'``)."""
        found = dict(_FIELD.findall(line))
        return cls(_plain(found.get("upscale.mode")), _plain(found.get("pr-ai-upscale-model-version")),
                   _plain(found.get("export.format")))

    def as_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


NOTHING_ASKED = Asked()


@dataclass(frozen=True)
class Measured:
    """What the check saw: the answer's status and content type, the start of an error body, and the
    check's own measurement (sizes, scores, the thresholds it was held to), which differs per check."""

    status: int | None = None  # None: no answer, or a finding not made on one answer
    content_type: str = ""
    body: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Violation:
    """One broken promise, with a stable ``code`` and the clause it breaks."""

    code: str
    clause: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)  # free-form: pictures, bundle, smallest input, ...
    asked: Asked = Asked()
    measured: Measured = Measured()
    request: str = ""  # the exchange in one line, key-free
    curl: str = ""  # the request by hand (the key stays in the environment)
    call: Mapping[str, Any] | None = None  # the check's function and arguments, for replay (checks.replayable)

    def __str__(self) -> str:
        return f"[{self.clause}] {self.code}: {self.message}"

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.clause, self.code, self.asked)

    def as_dict(self) -> dict[str, Any]:
        """As ``summary.json`` and the test reports carry it: the exchange, ``asked``, ``measured`` (the
        check's numbers) and ``check`` (its call) inside ``evidence``, beside the free-form entries."""
        m = self.measured
        typed = {"request": self.request, "curl": self.curl, "status": m.status, "content_type": m.content_type,
                 "body": m.body, "asked": None if self.asked == NOTHING_ASKED else self.asked.as_dict(),
                 "measured": dict(m.values), "check": dict(self.call) if self.call else None}
        evidence = {k: v for k, v in typed.items() if v not in (None, "", {})}
        evidence.update((k, v) for k, v in self.evidence.items() if k not in evidence)
        return {"code": self.code, "clause": self.clause, "message": self.message, "evidence": evidence}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Violation:
        """A violation as :meth:`as_dict` wrote it, or as runs before the typed findings did (their
        check's numbers stay in ``evidence``: nothing then told them from the rest)."""
        evidence = dict(data.get("evidence") or {})
        typed = {k: evidence.pop(k) for k in _TYPED if k in evidence}
        request = typed.get("request")
        asked = typed.get("asked")
        if isinstance(asked, Mapping):
            asked = Asked.of(asked)
        else:
            asked = Asked.from_request_line(request) if isinstance(request, str) else Asked()
        call = typed.get("check")
        if call is not None and not isinstance(call, Mapping):  # not a call: a name some suite wrote there
            evidence["check"] = call
            call = None
        status = typed.get("status")
        measured = Measured(status if isinstance(status, int) else None, str(typed.get("content_type") or ""),
                            str(typed.get("body") or ""), dict(typed.get("measured") or {}))
        return cls(str(data.get("code", "")), str(data.get("clause", "")), str(data.get("message", "")), evidence,
                   asked, measured, request if isinstance(request, str) else str(request or ""),
                   str(typed.get("curl") or ""), call)


# --- the fingerprint: built and read here only -------------------------------------------------------

_FIELD = re.compile(r"([\w.\-]+)[=:] ?([^,;)]+)")
_QUOTED = re.compile(r"""^(['"])(.*)\1$""")


def _plain(value: Any) -> str:
    """A field's value without quoting artefacts (a repr's quotes) or surrounding spaces."""
    text = "" if value is None else str(value).strip()
    quoted = _QUOTED.match(text)
    return quoted.group(2) if quoted else text


def _part(text: str) -> str:
    # "/" separates the parts, so a value's own "/" (and the escape's "%") is written escaped.
    if len(text) > LONGEST_PART:
        digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:12]
        text = f"{text[:LONGEST_PART - 30]}...({len(text):,} chars, sha256 {digest})"
    return text.replace("%", "%25").replace("/", "%2F") or NONE


def _unpart(text: str) -> str:
    return "" if text == NONE else _plain(text.replace("%2F", "/").replace("%25", "%"))


def fingerprint(clause: str, code: str, asked: Asked = NOTHING_ASKED) -> str:
    """One finding's stable identity, readable so that a known-failures file can name it by hand:
    ``CLAUSE/code/mode/model_version/export_format/input_kind``, ``-`` for an empty field, a value past
    LONGEST_PART characters as its start and a digest (read back as that text)."""
    return "/".join(_part(p) for p in (clause, code, asked.mode, asked.model_version, asked.export_format,
                                       asked.input_kind))


def parse_fingerprint(text: str) -> tuple[str, str, Asked]:
    """(clause, code, asked) of a fingerprint; ValueError if it has not six non-empty parts. Quotes
    around a part (written by runs before the typed findings) are dropped."""
    parts = text.strip().split("/")
    if len(parts) != 6 or not all(parts):
        raise ValueError(f"a fingerprint is CLAUSE/code/mode/model_version/export_format/input_kind "
                         f"(`{NONE}` for none), got {text!r}")
    clause, code, *asked = (_unpart(p) for p in parts)
    return clause, code, Asked(*asked)


def normal_fingerprint(text: str) -> str:
    """``text`` as this version writes it (a legacy fingerprint's quotes dropped); ValueError as above."""
    clause, code, asked = parse_fingerprint(text)
    return fingerprint(clause, code, asked)
