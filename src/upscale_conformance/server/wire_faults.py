"""The faults that live on the wire: plain ASGI around the reference server, planted from the same
:class:`~.faults.Faults` value (status bursts, delays, undeclared methods, the error body's shape,
extra headers). Apart from :mod:`.faults` only to keep each module short; it reads no other setting.
"""

from __future__ import annotations

import json
import time

import anyio

from .faults import Faults

TRICKLE_CHUNK = 256  # bytes a trickling answer sends at a time


# --- the HTTP layer: answers the app never sees, or rewritten on their way out ----------------------


class ResponseFaults:
    """Plain ASGI around the app, for faults of the transport and of the answer's envelope (status
    bursts, delays, undeclared methods, error body shape, headers). Passes through untouched when
    none of them is planted."""

    def __init__(self, app, faults: Faults):
        # Its own POST count (the app's counts only what reaches it): bursts are every Nth arrival.
        self.app, self.faults, self.posts = app, faults, 0
        self.outage_began: float | None = None

    async def __call__(self, scope, receive, send):
        f = self.faults
        if scope["type"] != "http" or not f.active or scope["path"] == "/health":
            await self.app(scope, receive, send)
            return
        send = _Rewriter(send, f)
        if scope["path"] == "/v2/edit" and scope["method"] == "POST":
            self.posts += 1
        if scope["path"] == "/v2/edit" and self._in_outage():
            await _drain(receive)
            await send.outage(f.outage_status, f.outage_html)
            return
        if scope["path"] == "/v2/edit" and scope["method"] == "POST":
            if f.slow_seconds:
                await anyio.sleep(f.slow_seconds)
            if f.drop_every and self.posts % f.drop_every == 0 and await _drop(scope, receive):
                return
            for every, status in ((f.throttle_every, 429), (f.unavailable_every, 503)):
                if every and self.posts % every == 0:
                    await _drain(receive)
                    await send.json(status, "planted: busy, retry shortly", [(b"retry-after", b"1")])
                    return
        elif scope["path"] == "/v2/edit" and f.undeclared_method_status:
            await _drain(receive)
            await send.json(f.undeclared_method_status, f"method {scope['method']} is not supported")
            return
        await self.app(scope, receive, send)


    def _in_outage(self) -> bool:
        f = self.faults
        if f.outage_after is None or self.posts <= f.outage_after:
            return False
        now = time.monotonic()
        if self.outage_began is None:
            self.outage_began = now
        return f.outage_seconds is None or now - self.outage_began < f.outage_seconds


async def _drop(scope, receive) -> bool:
    """Close the request's connection before any answer, as a balancer dropping it would; False where the
    server did not put the connection in the scope (then the request is answered as usual)."""
    from .runner import CONNECTION

    connection = scope.get("state", {}).get(CONNECTION)
    if connection is None:
        return False
    await _drain(receive)
    connection.abort()
    while (await receive())["type"] != "http.disconnect":  # uvicorn then writes no 500 of its own
        pass
    return True


async def _drain(receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            return


class _Rewriter:
    """Rewrites JSON error bodies (shape, extra fields) and headers (charset, extra ones)."""

    def __init__(self, send, faults: Faults):
        self.send, self.faults, self.chunks = send, faults, []
        self.start: dict = {}  # the app's response start, held until the body's length is known
        self.original: list = []
        self.rewrite = self.started = False

    async def json(self, status: int, message: str, headers: list | None = None) -> None:
        body = json.dumps({"error": {"message": message}}).encode()
        await self({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), *(headers or [])]})
        await self({"type": "http.response.body", "body": body})

    async def outage(self, status: int, html: bool) -> None:
        """What a service that is down answers: a JSON 503 with Retry-After, or a gateway's HTML page."""
        if not html:
            await self.json(status, "planted: the service is unavailable", [(b"retry-after", b"1")])
            return
        body = f"<html><head><title>{status} Bad Gateway</title></head><body><h1>{status} Bad Gateway</h1>" \
               "</body></html>"
        await self({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/html")]})
        await self({"type": "http.response.body", "body": body.encode()})

    async def __call__(self, message) -> None:
        f = self.faults
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message["headers"] if k.lower() != b"content-length"]
            is_json = any(k.lower() == b"content-type" and v.startswith(b"application/json") for k, v in headers)
            if f.json_charset and is_json:
                headers = [(k, b"application/json; charset=utf-8" if k.lower() == b"content-type" else v)
                           for k, v in headers]
            if f.extra_headers:
                headers += [(b"x-request-id", b"selfcheck-0001"), (b"server-timing", b"upscale;dur=1")]
            self.start = dict(message, headers=headers)
            self.rewrite = is_json and message["status"] != 200 and (f.flat_error_body or f.error_extra_fields)
            self.original = message["headers"]
            return
        if message["type"] != "http.response.body":
            await self.send(message)
            return
        self.chunks.append(message.get("body", b""))
        if message.get("more_body"):
            if not self.rewrite:  # stream through: only the headers change
                await self._flush(b"".join(self.chunks), more=True, length=False)
            return
        body = b"".join(self.chunks)
        if self.rewrite:
            body = _rewrite_error(body, f)
        await self._flush(body, more=False, length=not self.started)

    async def _flush(self, body: bytes, more: bool, length: bool) -> None:
        self.chunks = []
        if not self.started:
            headers = self.start["headers"] if not length else [*self.start["headers"],
                                                                (b"content-length", str(len(body)).encode())]
            if not length:  # unknown length: keep what the app said, if anything
                headers += [(k, v) for k, v in self.original if k.lower() == b"content-length"]
            await self.send(dict(self.start, headers=headers))
            self.started = True
        rate = self.faults.trickle_bytes_per_second
        while rate and len(body) > TRICKLE_CHUNK:  # a trickling target: the body in small pieces, slowly
            await self.send({"type": "http.response.body", "body": body[:TRICKLE_CHUNK], "more_body": True})
            body = body[TRICKLE_CHUNK:]
            await anyio.sleep(TRICKLE_CHUNK / rate)
        await self.send({"type": "http.response.body", "body": body, "more_body": more})


def _rewrite_error(body: bytes, faults: Faults) -> bytes:
    try:
        data = json.loads(body)
        message = data["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return body
    if faults.flat_error_body:
        data = {"message": message}
    if faults.error_extra_fields and isinstance(data.get("error"), dict):
        data["error"]["code"] = "selfcheck_error"
        data["error"]["request_id"] = "selfcheck-0001"
        data["detail"] = message
    return json.dumps(data).encode()
