"""A watch beside one exchange: it says what the run is waiting for, and ends the wait at the limit.

While the client blocks on a target, nothing else would tell the user why the run stands still, so
every ``every`` seconds the watch hands a line to ``say``. At the deadline it shuts the answer's
socket down: a read blocked on a body that trickles in returns at once (httpx's own timeout is per
read, so a slow trickle never trips it). Before the answer's headers arrive there is no socket to
cut, and httpx's read timeout (set to the same limit) ends the wait.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable


def tick_for(limit: float) -> float:
    """How often to say something: every 10 s, or a quarter of a short limit (at least 1 s).

    >>> tick_for(120), tick_for(4), tick_for(2)
    (10.0, 1.0, 1.0)
    """
    return max(1.0, min(10.0, limit / 4))


class Watch:
    def __init__(self, what: str, limit: float, say: Callable[[str], None] | None = None,
                 every: float | None = None):
        self.what, self.limit, self.say = what, limit, say
        self.every = every or tick_for(limit)
        self.started = time.monotonic()
        self.deadline = self.started + limit
        self.expired = False
        self._stop = threading.Event()
        self._socket: socket.socket | None = None
        self._thread = threading.Thread(target=self._run, name="upscale-watch", daemon=True)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()

    def attach(self, response) -> None:
        """The answer's headers arrived: from now on the deadline can cut its socket."""
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        self._socket = sock if isinstance(sock, socket.socket) else None

    def _run(self) -> None:
        while not self._stop.wait(max(0.05, min(self.every, self.deadline - time.monotonic() + 0.05))):
            now = time.monotonic()
            if now >= self.deadline:
                self.expired = True
                self._cut()
                return
            if self.say is not None:
                self.say(f"waiting for {self.what}: {now - self.started:.0f} s so far, at most {self.limit:g} s")

    def _cut(self) -> None:
        if self._socket is not None:
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed: the read has ended anyway
