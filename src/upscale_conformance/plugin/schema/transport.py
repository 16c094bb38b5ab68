"""Sending: Schemathesis serializes a case, the run's client sends it, the answer goes back to Schemathesis."""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

import requests
from schemathesis.core.transport import Response

from ...client import RawBody, UpscaleClient, UpscaleRequest, UpscaleResult
from ...contract import MODEL_HEADER
from .failures import case_asked, describe_case
from .four_x import sent_image


class NoSending(requests.Session):
    """Handed to Schemathesis's checks as their transport: none of the checks this suite runs sends a
    request of its own, and one that tried would go around the run's client (budget, bounds, health)."""

    def send(self, request, **kwargs):
        raise RuntimeError("a Schemathesis check tried to send a request of its own; every request of a run "
                           "goes through the run's client")


def send_case(case, client: UpscaleClient) -> tuple[UpscaleResult, Response, UpscaleRequest]:
    """Send a generated case through the run's client: Schemathesis turns the case into the exact bytes
    (its own serializers, the ones its requests transport uses), the client sends them like any request
    of the run (budget, retries, bounded reading, the target's health, the key), and the answer comes
    back as Schemathesis's own :class:`Response` for its checks; third, the case as the request it went
    out as (:func:`as_sent`), for the test's record."""
    kwargs = case.as_transport_kwargs(base_url=client.base_url)
    kwargs.pop("cookies", None)  # the document declares none
    prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in _REQUEST_FIELDS}).prepare()
    headers = {k: v for k, v in prepared.headers.items() if k.lower() != "x-api-key"}
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    result = client.send_raw(prepared.method, prepared.url, headers, body, describe_case(case))
    result.asked = case_asked(case).as_dict()  # what a finding on it is known by, read from the case's fields
    response = Response(status_code=result.status, headers={k: [v] for k, v in result.headers.items()},
                        content=result.content, request=prepared, elapsed=result.elapsed, verify=True,
                        message=HTTPStatus(result.status).phrase if result.status in _KNOWN_STATUSES else "")
    return result, response, as_sent(case, headers, body or b"", prepared.url)


def as_sent(case, headers: dict[str, str], body: bytes, url: str) -> UpscaleRequest:
    """The case as an :class:`UpscaleRequest` of the same bytes: its body raw, with its content type and
    model header, and the upload and fields it carries (for its pictures). A bundle keeps it and replay
    sends it again (a declared ``POST /v2/edit``: the cases that can fail a clause)."""
    form = case.body if isinstance(case.body, dict) else {}
    named = {k.lower(): v for k, v in headers.items()}
    mode, fmt = form.get("upscale.mode"), form.get("export.format")
    return UpscaleRequest(
        image=sent_image(case), mode="" if mode is None else str(mode), export_format=None if fmt is None else str(fmt),
        model_version=named.get(MODEL_HEADER.lower()), raw=RawBody(body, named.get("content-type")),
        params=tuple(parse_qsl(urlsplit(url).query)))


_REQUEST_FIELDS = ("method", "url", "headers", "files", "data", "json", "params")
_KNOWN_STATUSES = {s.value for s in HTTPStatus}
