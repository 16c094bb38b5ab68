"""Reading the request body with a hard size cap, and parsing it as multipart/form-data.

The body is read chunk by chunk and buffering stops as soon as it passes the cap, so an oversized
upload never costs more than the cap in memory. The buffered bytes are then parsed with
python-multipart into plain :class:`Part` values (no temporary files: the cap keeps them small).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from .apierror import ApiError

# Room for the part headers and the small text fields around a maximal imageFile.
FORM_OVERHEAD = 64 * 1024
# After refusing an oversized body, read (and drop) up to this much more of it, so that the client,
# still sending, is not cut off by a reset before it can read the answer.
DRAIN_CAP = 48 * 1024 * 1024


@dataclass(frozen=True)
class Part:
    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    def text(self) -> str:
        try:
            return self.data.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise ApiError(400, f"form field {self.name} is not UTF-8 text") from None


@dataclass
class Form:
    parts: list[Part] = field(default_factory=list)

    def get(self, name: str) -> Part | None:
        return next((p for p in self.parts if p.name == name), None)

    def names(self) -> list[str]:
        """Field names in order of first appearance."""
        return list(dict.fromkeys(p.name for p in self.parts))

    def repeated(self) -> list[str]:
        seen = [p.name for p in self.parts]
        return [n for n in self.names() if seen.count(n) > 1]


def multipart_boundary(content_type: str | None) -> bytes:
    """The boundary of a multipart/form-data Content-Type; anything else is a 400."""
    kind, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if kind.lower() != b"multipart/form-data" or not boundary:
        shown = (content_type or "none")[:80]
        raise ApiError(400, f"the body must be multipart/form-data with a boundary (Content-Type: {shown})")
    return boundary


async def read_body(request: Request, limit: int, too_large: ApiError) -> bytes:
    """The whole body, or ``too_large`` as soon as it is known to exceed ``limit`` bytes."""
    declared = _content_length(request)
    if declared is not None and declared > limit:
        if declared <= limit + DRAIN_CAP:
            await discard_body(request)
        raise too_large
    buf = bytearray()
    seen = 0
    try:
        async for chunk in request.stream():
            seen += len(chunk)
            if seen <= limit:
                buf += chunk
            elif seen > limit + DRAIN_CAP:
                break
            else:
                buf.clear()  # over the cap: keep reading to the end, keep nothing
    except ClientDisconnect:
        raise ApiError(400, "the client closed the connection before the body was complete") from None
    if seen > limit:
        raise too_large
    return bytes(buf)


async def discard_body(request: Request, cap: int = DRAIN_CAP) -> None:
    """Read and drop the body (up to ``cap``) before an early answer, for the same reason as above."""
    if "100-continue" in request.headers.get("expect", "").lower():
        return  # the client waits for "100 Continue" before sending: there is nothing to drop
    seen = 0
    try:
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > cap:
                return
    except (ClientDisconnect, RuntimeError):  # RuntimeError: the body was already read
        pass


def _content_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise ApiError(400, "Content-Length is not a number")
    return int(raw)


def parse_form(body: bytes, boundary: bytes) -> Form:
    """Parse a buffered multipart body; a malformed or truncated body is a 400."""
    collector = _Collector()
    parser = MultipartParser(boundary, collector.callbacks())
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError as exc:
        raise ApiError(400, f"malformed multipart body: {str(exc)[:200]}") from None
    if not collector.ended:
        raise ApiError(400, "malformed multipart body: it ends before the closing boundary")
    return Form(collector.parts)


class _Collector:
    """python-multipart callbacks that assemble parts in memory."""

    def __init__(self) -> None:
        self.parts: list[Part] = []
        self.ended = False
        self._headers: dict[str, str] = {}
        self._field = bytearray()
        self._value = bytearray()
        self._data = bytearray()

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self._field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_part_data": lambda d, s, e: self._data.extend(d[s:e]),
            "on_part_end": self._end,
            "on_end": self._finish,
        }

    def _begin(self) -> None:
        self._headers, self._data = {}, bytearray()

    def _header_end(self) -> None:
        name = self._field.decode("latin-1").strip().lower()
        self._headers[name] = self._value.decode("latin-1").strip()
        self._field, self._value = bytearray(), bytearray()

    def _end(self) -> None:
        kind, params = parse_options_header(self._headers.get("content-disposition", ""))
        name = params.get(b"name")
        if kind.lower() != b"form-data" or name is None:
            raise ApiError(400, "malformed multipart body: a part has no Content-Disposition form-data name")
        filename = params.get(b"filename")
        self.parts.append(Part(
            name=name.decode("utf-8", "replace"),
            data=bytes(self._data),
            filename=filename.decode("utf-8", "replace") if filename is not None else None,
            content_type=self._headers.get("content-type"),
        ))

    def _finish(self) -> None:
        self.ended = True
