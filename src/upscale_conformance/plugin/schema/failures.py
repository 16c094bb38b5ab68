"""From Schemathesis failures to violations: which break a must clause, which are hygiene notes."""

from __future__ import annotations

from collections.abc import Iterable

from ...checks import ANSWER, check_size_if_accepted
from ...client.guard import header
from ...contract import MODEL_HEADER
from ...findings import NOTHING_ASKED, Asked, Measured, Violation
from .four_x import NotFourTimes, describe_input, sent_image
from .plans import DECLARED_METHOD, HYGIENE_CHECKS


def check_name(failure) -> str:
    checks = getattr(type(failure), "checks", ())
    if checks:
        return checks[0]
    title = getattr(failure, "title", "")
    if "`" in title:  # "Custom check failed: `name`"
        return title.split("`")[1]
    return type(failure).__name__


def is_hygiene(failure, method: str) -> bool:
    """A failure the contract does not back: a hygiene check, or any check on an undeclared method
    (whatever a server answers to TRACE or QUERY, the contract promised nothing about it)."""
    return method.upper() != DECLARED_METHOD or check_name(failure) in HYGIENE_CHECKS


def split_failures(failures: Iterable, method: str) -> tuple[list, list[str]]:
    """(failures that break a must clause, one-line notes of the hygiene ones)."""
    must, notes = [], []
    for f in failures:
        if is_hygiene(f, method):
            notes.append(f"{check_name(f)}: " + " ".join(f"{f.title}: {f.message}".split())[:300])
        else:
            must.append(f)
    return must, notes


def violations_from(failures: Iterable, request: str, asked: Asked = NOTHING_ASKED) -> list[Violation]:
    """One :class:`Violation` per Schemathesis failure: 4x failures break DIM-4X, the rest SCHEMA-CONFORMS.
    ``asked`` is what the case asked for (:func:`case_asked`): what the finding is known by."""
    out = []
    for f in failures:
        if isinstance(f, NotFourTimes):
            measured = Measured(values={"input_size": f.input_size, "output_size": f.output_size,
                                        "expected": f.expected})
            # The same judgement as a check replay can call again on a new answer to the same bytes.
            call = {"function": check_size_if_accepted.__name__,
                    "args": {"result": ANSWER, "oriented": list(f.input_size), "clause": "DIM-4X"}}
            out.append(Violation("size_not_4x", "DIM-4X", f.message, {"source": "schemathesis"}, asked, measured,
                                 request, call=call))
            continue
        name = check_name(f)
        message = " ".join(f"{f.title}: {f.message}".split())
        out.append(Violation(f"schemathesis_{name}", "SCHEMA-CONFORMS", message[:600],
                             {"schemathesis_check": name, "failure": type(f).__name__,
                              "schemathesis_code": getattr(f, "code", "")}, asked, request=request))
    return out


def case_asked(case) -> Asked:
    """What a generated case asked for, from its own fields (never from its description: no quoting
    artefacts): the mode, the model header, the export format, and the upload's format read from its bytes."""
    body = case.body if isinstance(case.body, dict) else {}
    headers = {k.lower(): v for k, v in (case.headers or {}).items()}
    image = sent_image(case)
    found = header(image) if image is not None else None
    kind = found[2] if found else "not an image" if image is not None else "no image"
    return Asked(_text(body.get("upscale.mode")), _text(headers.get(MODEL_HEADER.lower())),
                 _text(body.get("export.format")), kind)


def _text(value) -> str:
    return "" if value is None else str(value)


def describe_case(case) -> str:
    """A one-line, key-free description of what a case sends."""
    body = case.body
    if isinstance(body, dict):
        parts = [f"{k}={v!r}"[:60] for k, v in body.items() if k != "imageFile"]
        image = sent_image(case)
        if image is not None:
            parts.insert(0, f"imageFile {describe_input(image)}")
        else:
            parts.insert(0, f"imageFile={body['imageFile']!r}"[:60] if "imageFile" in body else "no imageFile")
    else:
        parts = ["no body" if type(body).__name__ == "NotSet" else f"body {type(body).__name__}"]
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "x-api-key"}
    if headers:
        parts.append(f"headers {headers}"[:120])
    return f"{case.method.upper()} {case.formatted_path} ({'; '.join(parts)})"
