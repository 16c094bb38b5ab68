"""One request to ``POST /v2/edit``, built as the vendor's curl examples build it."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from ..contract import MODEL_HEADER
from .secret import Secret


@dataclass(frozen=True)
class RawBody:
    """A body sent as it is, instead of the seed's multipart form (hostile-input tests: a JSON or
    urlencoded body, a multipart body without its boundary, repeated or mistyped parts)."""

    content: bytes
    content_type: str | None  # None: no Content-Type header at all


@dataclass(frozen=True)
class UpscaleRequest:
    """One call to POST /v2/edit. Defaults are the seed's curl examples.

    ``api_key`` overrides the client's key: None uses it, "" sends no key header.
    ``omit`` lists form fields to leave out (to test missing-field handling).
    ``raw`` replaces the whole multipart body; ``params`` go in the query string; ``timeout``
    (seconds) overrides the client's for this request.
    """

    image: bytes | None
    mode: str = "ai.fast"
    filename: str = "image.png"
    file_content_type: str = "application/octet-stream"
    export_format: str | None = None
    downscale: str | None = None
    model_version: str | None = None
    extra_fields: tuple[tuple[str, str], ...] = ()
    omit: tuple[str, ...] = ()
    api_key: Secret | None = None
    raw: RawBody | None = None
    params: tuple[tuple[str, str], ...] = ()
    timeout: float | None = None

    def form(self) -> list[tuple[str, str]]:
        fields = [("referenceBox", "originalImage"), ("removeBackground", "false"), ("upscale.mode", self.mode)]
        if self.export_format is not None:
            fields.append(("export.format", self.export_format))
        if self.downscale is not None:
            fields.append(("upscale.downscaleIfNeeded", self.downscale))
        fields.extend(self.extra_fields)
        return [(k, v) for k, v in fields if k not in self.omit]

    def headers(self) -> dict[str, str]:
        headers = {MODEL_HEADER: self.model_version} if self.model_version is not None else {}
        if self.raw is not None and self.raw.content_type is not None:
            headers["content-type"] = self.raw.content_type
        return headers

    def payload(self) -> dict[str, Any]:
        """What httpx sends besides the headers: the seed's multipart form, or the raw body; the
        query string and a timeout of this request's own."""
        extra: dict[str, Any] = {"params": list(self.params)} if self.params else {}
        if self.timeout is not None:
            extra["timeout"] = self.timeout
        if self.raw is not None:
            return {"content": self.raw.content, **extra}
        files = None
        if self.image is not None and "imageFile" not in self.omit:
            files = {"imageFile": (self.filename, self.image, self.file_content_type)}
        return {"data": _form_data(self), "files": files, **extra}

    def curl(self, base_url: str) -> str:
        """The seed's curl command for this request, with the key read from ``$PHOTOROOM_API_KEY``
        (never written out) and the picture expected in a local file named like the upload."""
        lines = [f"curl --request POST --url {shlex.quote(base_url.rstrip('/') + '/v2/edit')}"]
        if self.api_key is None or self.api_key:
            lines.append("--header \"x-api-key: $PHOTOROOM_API_KEY\"")
        lines += [f"--header {shlex.quote(f'{k}: {v}')}" for k, v in self.headers().items()]
        if self.raw is not None:  # the body is in a file of its own
            return " \\\n  ".join([*lines, "--data-binary @body", "--output result"])
        if self.image is not None and "imageFile" not in self.omit:
            lines.append(f"--form {shlex.quote(f'imageFile=@{self.filename}')}")
        lines += [f"--form {shlex.quote(f'{k}={v}')}" for k, v in self.form()]
        return " \\\n  ".join([*lines, "--output result"])

    def asked(self) -> dict[str, str]:
        """What this request asked for, as the results store fingerprints a finding (no pixel data)."""
        from .guard import header

        if self.raw is not None:
            kind = "raw body"
        elif self.image is None or "imageFile" in self.omit:
            kind = "no image"
        else:
            found = header(self.image)
            kind = found[2] if found else "not an image"
        return {"mode": self.mode, "model_version": self.model_version or "",
                "export_format": self.export_format or "", "input_kind": kind}

    def describe(self) -> str:
        parts = [f"{_short(k)}={_short(v)}" for k, v in self.form() if k not in ("referenceBox", "removeBackground")]
        if self.model_version is not None:
            parts.append(f"{MODEL_HEADER}: {_short(self.model_version)}")
        size = "no imageFile" if self.image is None else f"{len(self.image):,} B imageFile"
        query = "?" + "&".join(f"{k}={_short(v)}" for k, v in self.params) if self.params else ""
        if self.raw is not None:
            return (f"POST /v2/edit{query} ({len(self.raw.content):,} B body, "
                    f"Content-Type: {(self.raw.content_type or '(none)')[:60]})")
        return f"POST /v2/edit{query} ({size}; {', '.join(parts)})"


def _short(text: str, most: int = 60) -> str:
    """A value as a description shows it: long ones (hostile-input tests send 10,000 characters) cut."""
    return text if len(text) <= most else f"{text[:most - 20]}...({len(text):,} chars)"


def _form_data(request: UpscaleRequest) -> dict[str, str | list[str]]:
    """httpx takes repeated form fields as lists; a repeated field is kept, not silently dropped."""
    data: dict[str, str | list[str]] = {}
    for k, v in request.form():
        if k in data:
            prev = data[k]
            data[k] = [*prev, v] if isinstance(prev, list) else [prev, v]
        else:
            data[k] = v
    return data
