"""A failure you can hold: one folder per failing check, with the exact request, the answer, the check
and its arguments, and a ``curl.sh`` that sends the request again.

Layout of ``bundles/<clause>-<n>/`` (beside ``summary.json``)::

    request.json   target, profile, form fields, headers (the key as $PHOTOROOM_API_KEY), query string
    <upload name>  the image bytes, named as uploaded (or ``body`` for a raw body)
    answer.json    status, headers, and the body's file, or its sha256 and size when it was not kept
    answer.body    the body as received
    check.json     the bundle's format, the finding: clause, code, message, what was asked, what was measured,
                   and the check's call (its function and the arguments to call it with; null for a finding
                   no check of checks.py made, such as Schemathesis's: replay cannot judge those)
    curl.sh        the request by hand: cd's to its folder, reads the key from the environment

No file holds a key: the run's key is written as ``$PHOTOROOM_API_KEY``, and every text is scrubbed of
the session's keys before it is written.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..client import RawBody, UpscaleRequest, UpscaleResult
from ..client.secret import Secret
from ..errors import ConformanceError
from ..findings import NOTHING_ASKED, Asked, Measured, Violation
from ..verdicts import MAX_BUNDLES_PER_CLAUSE

KEPT_BODY = 16 * 1024 * 1024  # an answer body past this (or one whose image was refused for size) is hashed only
KEY_VARIABLE = "$PHOTOROOM_API_KEY"
# The bundle format this version writes (check.json's `format`). Bundles are kept and committed, so each
# version reads every older one; bundles written before the format was versioned have none: they are 1.
FORMAT = 2


def _upload_name(filename: str) -> str:
    """The upload's file name as a file in the bundle; an odd one (a path, hidden, empty) becomes ``image``."""
    name = Path(filename).name
    safe = name and name == filename and not name.startswith(".") and name not in {
        "request.json", "answer.json", "answer.body", "check.json", "curl.sh", "body", "result"}
    return name if safe and all(c not in name for c in ";,\"\n") else "image"


def new_bundle_folder(root: Path, clause: str, smallest: bool = False) -> Path | None:
    """``root/<clause>-<n>`` for the first free n up to the cap, created; None once the clause has its cap.
    The smallest failing input of a shrunk failure (``smallest``) gets one more past the cap: shrinking
    may have used the cap on larger inputs first. ``mkdir`` is atomic, so pytest-xdist workers writing
    into one report folder never share a number."""
    root.mkdir(parents=True, exist_ok=True)
    for n in range(1, MAX_BUNDLES_PER_CLAUSE + 1 + (MAX_BUNDLES_PER_CLAUSE if smallest else 0)):
        folder = root / f"{clause}-{n}"
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    return None


def _key_kind(request: UpscaleRequest) -> str:
    if request.api_key is None:
        return "run"  # the run's key, written as $PHOTOROOM_API_KEY
    return "none" if not request.api_key else "other"


def write_bundle(folder: Path, request: UpscaleRequest, result: UpscaleResult | None, violation: Violation, *,
                 target: str, base_url: str, profile: str, scrub: Callable[[str], str]) -> None:
    """Write one bundle. ``target`` is the run's target option (``local`` or a URL), ``base_url`` where the
    request went; ``scrub`` removes the session's keys from any text (a key never reaches a file). ``result``
    None: the request got no answer at all (answer.json says so)."""
    upload = None
    if request.raw is not None:
        (folder / "body").write_bytes(request.raw.content)
    elif request.image is not None and "imageFile" not in request.omit:
        upload = _upload_name(request.filename)
        (folder / upload).write_bytes(request.image)
    kind = _key_kind(request)
    headers = ({"x-api-key": KEY_VARIABLE} if kind == "run" else {}) | request.headers()
    described = {
        "target": target,
        "url": base_url.rstrip("/") + "/v2/edit",
        "profile": profile,
        "key": kind,
        # A key the test chose itself (an invalid one, for the key clauses); never the run's key (scrubbed).
        "other_key": scrub(request.api_key.reveal()) if kind == "other" else None,
        "method": "POST",
        "query": [list(p) for p in request.params],
        "headers": headers,
        "form": [list(f) for f in request.form()] if request.raw is None else None,
        "image": upload,
        "image_field": {"filename": request.filename, "content_type": request.file_content_type} if upload else None,
        "raw_body": {"file": "body", "content_type": request.raw.content_type} if request.raw is not None else None,
        "timeout": request.timeout,
        "seed": {"mode": request.mode, "export_format": request.export_format, "downscale": request.downscale,
                 "model_version": request.model_version, "extra_fields": [list(f) for f in request.extra_fields],
                 "omit": list(request.omit)},
    }
    _write_json(folder / "request.json", described, scrub)
    if result is None:
        answer: dict[str, Any] = {"status": None, "headers": {}, "body": None, "no_answer": violation.message}
    else:
        answer = {"status": result.status, "headers": dict(result.headers)}
        digest = {"sha256": hashlib.sha256(result.content).hexdigest(), "size": len(result.content)}
        if len(result.content) > KEPT_BODY or result.refused:
            answer["body"] = None
            answer["not_kept"] = {**digest, "why": result.refused or f"larger than {KEPT_BODY:,} bytes"}
        else:
            (folder / "answer.body").write_bytes(result.content)
            answer["body"] = {"file": "answer.body", **digest}
    _write_json(folder / "answer.json", answer, scrub)
    v = violation
    asked = v.asked if v.asked != NOTHING_ASKED else Asked.of(request.asked())  # a finding made off the client
    _write_json(folder / "check.json", {"format": FORMAT, "clause": v.clause, "code": v.code, "message": v.message,
                                        "asked": asked.as_dict(), "call": dict(v.call) if v.call else None,
                                        "measurement": dict(v.measured.values)}, scrub)
    (folder / "curl.sh").write_text(scrub(curl_script(described)))
    (folder / "curl.sh").chmod(0o755)


def _write_json(path: Path, data: Any, scrub: Callable[[str], str]) -> None:
    path.write_text(scrub(json.dumps(data, indent=2, default=str)) + "\n")


def curl_script(described: dict[str, Any]) -> str:
    """A shell script that sends the bundle's request with curl, from the bundle's own folder. The target
    is the original one, or the script's first argument; the answer lands in ``result`` and its headers in
    ``result.headers``; the status is printed."""
    url = described["url"].removesuffix("/v2/edit")
    query = "&".join(f"{k}={v}" for k, v in described["query"])
    lines = ['--request POST --url "$TARGET/v2/edit' + (f'?{_dq(query)}' if query else "") + '"']
    for name, value in described["headers"].items():
        if value == KEY_VARIABLE:
            lines.append('--header "x-api-key: $PHOTOROOM_API_KEY"')
        else:
            lines.append(f"--header {shlex.quote(f'{name}: {value}')}")
    if described["key"] == "other":
        lines.append(f"--header {shlex.quote('x-api-key: ' + (described['other_key'] or ''))}")
    raw = described["raw_body"]
    if raw is not None:
        if raw["content_type"] is None:
            lines.append("--header 'Content-Type:'")  # curl would add a form content type of its own
        lines.append("--data-binary @body")
    else:
        if described["image"]:
            field = described["image_field"]
            spec = f"imageFile=@{described['image']};type={field['content_type']}"
            if field["filename"] != described["image"] and _upload_name(field["filename"]) == field["filename"]:
                spec += f";filename={field['filename']}"
            lines.append("--form " + shlex.quote(spec))
        lines += [f"--form-string {shlex.quote(f'{k}={v}')}" for k, v in described["form"]]
    needs_key = described["key"] == "run"
    return "\n".join([
        "#!/bin/sh",
        "# Sends this bundle's request again (upscale-conformance replay does it through the suite's client).",
        "# Usage: ./curl.sh [BASE_URL]   the key comes from $PHOTOROOM_API_KEY, never from this file.",
        "set -eu",
        'cd "$(dirname "$0")"',
        *([': "${PHOTOROOM_API_KEY:?set PHOTOROOM_API_KEY first}"'] if needs_key else []),
        f"TARGET=\"${{1:-{url}}}\"",
        "curl --silent --show-error --write-out '%{http_code}\\n' --dump-header result.headers --output result \\",
        "  " + " \\\n  ".join(lines),
        "",
    ])


def _dq(text: str) -> str:
    """Text safe inside double quotes in sh."""
    return "".join("\\" + c if c in '"$`\\' else c for c in text)


# --- reading a bundle back ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Bundle:
    folder: Path
    request: dict[str, Any]
    answer: dict[str, Any]
    check: dict[str, Any]

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def format(self) -> int:
        return int(self.check.get("format", 1))

    @property
    def finding(self) -> Violation:
        """The finding the bundle holds, as the run had it: what was asked, what was measured, the call."""
        c, seed = self.check, self.request.get("seed") or {}
        # Format 1 kept no `asked`: the request's own fields say it (the upload's kind was not kept).
        asked = Asked.of(c["asked"]) if "asked" in c else Asked.of(
            {k: seed.get(k) for k in ("mode", "model_version", "export_format")})
        measured = Measured(self.answer.get("status"), str(self.answer.get("headers", {}).get("content-type", "")),
                            values=c.get("measurement") or {})
        return Violation(c["code"], c["clause"], c.get("message", ""), asked=asked, measured=measured,
                         call=c.get("call") or None)

    @property
    def clause(self) -> str:
        return self.check["clause"]

    def upload(self) -> bytes | None:
        name = self.request.get("image")
        return (self.folder / name).read_bytes() if name else None

    def upscale_request(self) -> UpscaleRequest:
        """The request as the suite's client sends it (the run's key is the client's own)."""
        seed, req = self.request["seed"], self.request
        raw = None
        if req["raw_body"] is not None:
            raw = RawBody((self.folder / req["raw_body"]["file"]).read_bytes(), req["raw_body"]["content_type"])
        key = {"run": None, "none": Secret("")}.get(req["key"], Secret(req.get("other_key") or ""))
        field = req.get("image_field") or {}
        return UpscaleRequest(
            image=self.upload() if req["image"] else None, mode=seed["mode"],
            filename=field.get("filename", "image.png"),
            file_content_type=field.get("content_type", "application/octet-stream"),
            export_format=seed["export_format"], downscale=seed["downscale"], model_version=seed["model_version"],
            extra_fields=tuple(tuple(f) for f in seed["extra_fields"]), omit=tuple(seed["omit"]), api_key=key,
            raw=raw, params=tuple(tuple(p) for p in req["query"]), timeout=req["timeout"])


def load_bundle(folder: str | Path) -> Bundle:
    """The bundle in ``folder``, of this format or an older one; a bundle written by a newer version of the
    tool, or files that are not a bundle's, are refused with a clear message."""
    folder = Path(folder)
    try:
        parts = [json.loads((folder / f"{n}.json").read_text()) for n in ("request", "answer", "check")]
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConformanceError(f"{folder}: not a readable bundle: {exc}") from None
    bundle = Bundle(folder, *parts)
    try:
        version = bundle.format
    except (TypeError, ValueError):
        raise ConformanceError(f"{folder}: check.json's format is {bundle.check.get('format')!r}, "
                               "not a bundle format number") from None
    if version > FORMAT:
        raise ConformanceError(f"{folder}: bundle format {version} was written by a newer upscale-conformance; "
                               f"this version reads formats 1 to {FORMAT}: upgrade to replay it")
    if not isinstance(bundle.check.get("clause"), str) or not isinstance(bundle.check.get("code"), str):
        raise ConformanceError(f"{folder}: check.json names no clause and code: not a bundle")
    return bundle


def find_bundles(path: str | Path) -> list[Path]:
    """The bundle folders at ``path``: a bundle itself, a folder of bundles, or a report folder (``bundles/``
    inside it). Empty if there are none."""
    path = Path(path)
    if (path / "request.json").is_file():
        return [path]
    root = path / "bundles" if (path / "bundles").is_dir() else path
    if not root.is_dir():
        return []
    return sorted((p for p in root.iterdir() if (p / "request.json").is_file()), key=_natural)


def _natural(path: Path) -> tuple[str, int]:
    stem, _, n = path.name.rpartition("-")
    return (stem, int(n)) if n.isdigit() else (path.name, 0)
