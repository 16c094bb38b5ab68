"""Sending: Schemathesis serializes a case, the run's client sends it, the answer goes back to Schemathesis."""

from __future__ import annotations

from http import HTTPStatus

import requests
from schemathesis.core.transport import Response

from ...client import UpscaleClient, UpscaleResult
from .failures import describe_case


class NoSending(requests.Session):
    """Handed to Schemathesis's checks as their transport: none of the checks this suite runs sends a
    request of its own, and one that tried would go around the run's client (budget, bounds, health)."""

    def send(self, request, **kwargs):
        raise RuntimeError("a Schemathesis check tried to send a request of its own; every request of a run "
                           "goes through the run's client")


def send_case(case, client: UpscaleClient) -> tuple[UpscaleResult, Response]:
    """Send a generated case through the run's client: Schemathesis turns the case into the exact bytes
    (its own serializers, the ones its requests transport uses), the client sends them like any request
    of the run (budget, retries, bounded reading, the target's health, the key), and the answer comes
    back as Schemathesis's own :class:`Response` for its checks."""
    kwargs = case.as_transport_kwargs(base_url=client.base_url)
    kwargs.pop("cookies", None)  # the document declares none
    prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in _REQUEST_FIELDS}).prepare()
    headers = {k: v for k, v in prepared.headers.items() if k.lower() != "x-api-key"}
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    result = client.send_raw(prepared.method, prepared.url, headers, body, describe_case(case))
    response = Response(status_code=result.status, headers={k: [v] for k, v in result.headers.items()},
                        content=result.content, request=prepared, elapsed=result.elapsed, verify=True,
                        message=HTTPStatus(result.status).phrase if result.status in _KNOWN_STATUSES else "")
    return result, response


_REQUEST_FIELDS = ("method", "url", "headers", "files", "data", "json", "params")
_KNOWN_STATUSES = {s.value for s in HTTPStatus}
