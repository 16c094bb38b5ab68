"""Targets nobody vetted, for the suite's own robustness tests: tiny asyncio HTTP/1.1 servers in a
thread of the test process, each answering every request the same hostile way.

- ``endless``: a 200 ``image/png`` whose chunked body never ends (1 MiB chunks, as fast as read);
- ``huge-error``: a 400 ``application/json`` of 200 MB, chunked (no length to refuse it by);
- ``giant-png``: a 200 whose PNG header claims 60000x60000 and carries no pixel data;
- ``silent``: reads the request and never answers;
- ``trickle``: a 200 whose chunked body arrives a byte every 0.1 s, forever (no read ever times out).

``hostile_target(kind)`` yields ``(url, requests)``: ``requests`` is a list of the request lines
received, so a test can tell how often a request was sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

from upscale_conformance.robustness.inputs import PNG_SIGNATURE, chunk, ihdr

CHUNK = b"\0" * (1 << 20)
HUGE_ERROR_BYTES = 200_000_000


def giant_png(width: int = 60000, height: int = 60000) -> bytes:
    """A PNG of signature, IHDR (8-bit RGBA) and IEND only: the header claims the size, no IDAT follows."""
    return PNG_SIGNATURE + ihdr(width, height, colour_type=6) + chunk(b"IEND", b"")


async def _read_request(reader: asyncio.StreamReader) -> str | None:
    """The request line, after reading the whole request (Content-Length bodies only); None at EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    length = next((int(v) for k, _, v in (ln.partition(":") for ln in lines[1:]) if k.lower() == "content-length"), 0)
    await reader.readexactly(length)
    return lines[0]


async def _chunked(writer: asyncio.StreamWriter, status: str, content_type: str, first: bytes, total: int | None):
    writer.write(f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
    sent = 0
    body = first
    while total is None or sent < total:
        writer.write(f"{len(body):x}\r\n".encode() + body + b"\r\n")
        await writer.drain()  # raises once the client has gone: the answer ends there
        sent += len(body)
        body = CHUNK if total is None else b"a" * min(len(CHUNK), total - sent) or b""
        if not body:
            break
    writer.write(b"0\r\n\r\n")
    await writer.drain()


def _handler(kind: str, seen: list[str]):
    png = giant_png()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (line := await _read_request(reader)) is not None:
                seen.append(line)
                if kind == "silent":
                    await reader.read()  # until the client gives up and closes
                    return
                if kind == "trickle":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n")
                    while True:
                        writer.write(b"1\r\n\0\r\n")
                        await writer.drain()
                        await asyncio.sleep(0.1)
                if kind == "endless":
                    await _chunked(writer, "200 OK", "image/png", png, None)
                elif kind == "huge-error":
                    await _chunked(writer, "400 Bad Request", "application/json", b'{"error": {"message": "',
                                   HUGE_ERROR_BYTES)
                else:  # giant-png: a well-formed answer, keep-alive
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                                 + f"Content-Length: {len(png)}\r\n\r\n".encode() + png)
                    await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    return handle


@contextlib.contextmanager
def hostile_target(kind: str) -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    started = threading.Event()
    state: dict = {}

    async def main() -> None:
        server = await asyncio.start_server(_handler(kind, seen), "127.0.0.1", 0)
        state["port"] = server.sockets[0].getsockname()[1]
        state["loop"], state["stop"] = asyncio.get_running_loop(), asyncio.Event()
        started.set()
        async with server:
            await state["stop"].wait()

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield f"http://127.0.0.1:{state['port']}", seen
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(5)
