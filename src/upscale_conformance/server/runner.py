"""Running the reference server: in a thread (tests), in a child process (killable), or in the
foreground (``upscale-conformance serve``).

Both context managers bind 127.0.0.1 on a free port, wait until GET /health answers, and yield a
:class:`ServerURL`: the base URL as a plain ``str`` that also knows how to kill the server, so a
suite can test what happens when the target disappears mid-run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO

import httpx
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from ..client.secret import Secret
from ..contract import Profile
from .app import ENV_API_KEY, ENV_CONCURRENCY, ENV_PROFILE, create_app
from .faults import ENV_VAR as ENV_FAULTS
from .faults import Faults

DEFAULT_PROFILE = "pixel-budget-2026"
STARTUP_TIMEOUT = 30.0
ANNOUNCE = "upscale-conformance reference server listening on "


class ServerURL(str):
    """A base URL such as ``http://127.0.0.1:54321`` with a handle on the server behind it.

    ``kill()`` stops it abruptly (open connections are cut, new ones refused); ``alive()`` tells
    whether it still runs; ``app`` is the FastAPI app of an in-thread server (None for a child
    process); ``pid`` the child's process id (None in a thread).
    """

    kill: Callable[[], None]
    alive: Callable[[], bool]
    app = None
    pid: int | None = None

    def __new__(cls, url: str, kill: Callable[[], None], alive: Callable[[], bool], app=None,
                pid: int | None = None) -> ServerURL:
        self = super().__new__(cls, url)
        self.kill, self.alive, self.app, self.pid = kill, alive, app, pid
        return self


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one (read it back with getsockname)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


CONNECTION = "upscale.connection"  # the scope state key of the request's connection (wire_faults)


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with Nagle's algorithm off. An answer leaves in two writes (head, then
    body); with Nagle on, the body waits for the client's delayed ACK of the head: 40-48 ms added to
    every request on a kept-alive connection (measured here: a /health round trip 44 ms, 1 ms without)."""

    def connection_made(self, transport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
        # The connection, in every request's scope state: the drop_every fault closes it before any answer
        # (ASGI itself has no way to drop a connection without a 500).
        self.app_state = {**self.app_state, CONNECTION: transport}


def uvicorn_config(app, log_level: str = "warning", **kwargs) -> uvicorn.Config:
    # No access log: it is the one place a server library might print request details.
    kwargs.setdefault("http", NoDelayH11Protocol)
    return uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off",
                          timeout_graceful_shutdown=5, server_header=False, **kwargs)


def wait_healthy(url: str, timeout: float = STARTUP_TIMEOUT, alive: Callable[[], bool] = lambda: True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the reference server at {url} stopped during start-up")
        try:
            if httpx.get(f"{url}/health", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"the reference server at {url} did not answer /health within {timeout:.0f} s")


# --- in a thread ---------------------------------------------------------------------------------


@contextlib.contextmanager
def serve_in_thread(profile: str | Profile | None = DEFAULT_PROFILE, api_key: str | None = None,
                    faults: Faults | None = None, workers: int = 2, *, queue: int | None = None,
                    host: str = "127.0.0.1", port: int = 0) -> Iterator[ServerURL]:
    """Serve in a background thread of this process. ``workers`` is the number of image jobs run
    at once (threads, not processes); ``queue`` how many more wait before a 429; ``port`` 0 takes a
    free one, a fixed port lets successive servers be the same target (one URL)."""
    app = create_app(profile, api_key, faults, concurrency=workers, queue=queue)
    with run_app_in_thread(app, host, port) as url:
        yield url


@contextlib.contextmanager
def run_app_in_thread(app, host: str = "127.0.0.1", port: int = 0) -> Iterator[ServerURL]:
    """Serve an app made by :func:`create_app` in a background thread until the block ends."""
    sock = bind_socket(host, port)
    server = uvicorn.Server(uvicorn_config(app))
    loop_ready = threading.Event()
    holder: dict[str, asyncio.AbstractEventLoop] = {}

    def serve() -> None:
        with asyncio.Runner() as runner:  # our own loop, so kill() can reach it from any thread
            holder["loop"] = runner.get_loop()
            loop_ready.set()
            runner.run(server.serve(sockets=[sock]))

    thread = threading.Thread(target=serve, name="reference-server", daemon=True)
    thread.start()
    loop_ready.wait(timeout=STARTUP_TIMEOUT)
    kill = _killer(server, holder["loop"])
    if getattr(app.state, "server", None) is not None:
        app.state.server.die = kill  # die_after must stop this server, not the test process
    url = ServerURL(url_of(sock), kill, thread.is_alive, app=app)
    try:
        wait_healthy(url, alive=thread.is_alive)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def _killer(server: uvicorn.Server, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
    """Stop ``server`` the way a crash would: refuse new connections and cut the open ones."""

    def abort() -> None:
        for listener in server.servers:
            listener.close()
        for connection in list(server.server_state.connections):
            if connection.transport is not None:
                connection.transport.abort()
        server.should_exit = server.force_exit = True

    def kill() -> None:
        try:
            in_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            in_loop = False
        if in_loop:
            abort()
        elif loop.is_running():
            done = threading.Event()
            loop.call_soon_threadsafe(lambda: (abort(), done.set()))
            done.wait(timeout=5)

    return kill


# --- in a child process --------------------------------------------------------------------------


@contextlib.contextmanager
def serve_in_subprocess(profile: str | Profile | None = DEFAULT_PROFILE, api_key: str | None = None,
                        faults: Faults | None = None, workers: int = 1, *, host: str = "127.0.0.1",
                        timeout: float = STARTUP_TIMEOUT, port: int = 0,
                        stderr: IO[str] | None = None) -> Iterator[ServerURL]:
    """Serve from ``upscale-conformance serve`` in a child process, killed on exit.

    ``port`` 0 takes a free one; a fixed port lets successive servers be the same target (one URL).
    ``stderr``, a file, takes the server's warnings and logs instead of this process's stderr.

    The key and the faults travel in the environment, never on the command line (``ps`` shows it).
    """
    env = {k: v for k, v in os.environ.items() if k not in (ENV_API_KEY, ENV_FAULTS)}
    if api_key:
        env[ENV_API_KEY] = api_key.reveal() if isinstance(api_key, Secret) else api_key
    if faults is not None and faults.active:
        env[ENV_FAULTS] = faults.to_json()
    ref = profile.path if isinstance(profile, Profile) else (profile or DEFAULT_PROFILE)
    cmd = [sys.executable, "-m", "upscale_conformance.server", "--host", host, "--port", str(port),
           "--profile", ref, "--workers", str(workers), "--log-level", "warning"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env, start_new_session=True)
    try:
        url = ServerURL(_read_announced_url(proc, timeout), lambda: _kill_group(proc, signal.SIGKILL),
                        lambda: proc.poll() is None, pid=proc.pid)
        wait_healthy(url, timeout, alive=lambda: proc.poll() is None)
        yield url
    finally:
        _stop(proc)


def _read_announced_url(proc: subprocess.Popen, timeout: float) -> str:
    """The child prints one line with its URL once it has bound the port."""
    found: list[str] = []

    def read() -> None:
        # Keep draining until the child exits, so a chatty child never blocks on a full pipe.
        with contextlib.suppress(ValueError, OSError):  # the pipe closed under us at shutdown
            for line in proc.stdout:
                if line.startswith(ANNOUNCE) and not found:
                    found.append(line[len(ANNOUNCE):].split()[0])

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while not found and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    if not found:
        raise RuntimeError(f"the reference server did not start (exit status {proc.poll()})")
    return found[0]


def _kill_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)  # the child leads its own session: this reaches uvicorn's workers too


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        _kill_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _kill_group(proc, signal.SIGKILL)
            proc.wait(timeout=10)
    if proc.stdout:
        proc.stdout.close()


# --- in the foreground ---------------------------------------------------------------------------


def run_server(profile: Profile, host: str = "127.0.0.1", port: int = 8000, api_key: str | None = None,
               workers: int = 1, faults: Faults | None = None, log_level: str = "info") -> None:
    """Serve until interrupted. Several workers are processes sharing one socket; each counts its
    own requests, so ``die_after`` needs a single worker."""
    faults = faults or Faults()
    if workers > 1 and faults.die_after is not None:
        raise ValueError("the die_after fault counts requests per process: use a single worker")
    sock = bind_socket(host, port)
    print(f"{ANNOUNCE}{url_of(sock)} (profile {profile.id}, {workers} worker(s))", flush=True)
    if workers == 1:
        app = create_app(profile, api_key, faults)
        uvicorn.Server(uvicorn_config(app, log_level)).run(sockets=[sock])
        return
    from uvicorn.supervisors import Multiprocess

    os.environ[ENV_PROFILE] = profile.path
    os.environ[ENV_CONCURRENCY] = str(max(1, (os.cpu_count() or 1) // workers))
    if api_key:
        os.environ[ENV_API_KEY] = api_key
    if faults.active:
        os.environ[ENV_FAULTS] = faults.to_json()
    config = uvicorn_config("upscale_conformance.server.app:app_from_env", log_level, factory=True,
                            workers=workers)
    Multiprocess(config, sockets=[sock]).run()
