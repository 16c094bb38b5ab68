"""The FastAPI application: POST /v2/edit and GET /health.

Request handling is ordered so that a client's mistake costs as little as possible: the key is
checked before the body is read, the body is capped while it streams in, the form is validated
before any image work, and the image size is judged from its header before decoding. The CPU work
runs in a thread, at most ``concurrency`` at a time; up to ``queue`` more wait for a thread with
their upload read but not decoded (so a waiting request holds its compressed bytes only), and the
uploads held by waiting and running requests together stay under :data:`QUEUE_BYTES`. Past either
bound the answer is 429 with Retry-After rather than an ever-growing backlog.
"""

from __future__ import annotations

import hmac
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import anyio
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..client.secret import Secret
from ..contract import MODEL_HEADER, Profile, is_sandbox_key, load_profile
from . import faults as hooks
from . import pipeline
from .apierror import ApiError, error_response
from .faults import Faults
from .form import FORM_OVERHEAD, discard_body, multipart_boundary, parse_form, read_body
from .wire_faults import ResponseFaults

log = logging.getLogger("upscale_conformance.server")
RETRY_AFTER_SECONDS = 1
DIE_EXIT_CODE = 70
ENV_PROFILE = "UPSCALE_SERVER_PROFILE"
ENV_API_KEY = "UPSCALE_SERVER_API_KEY"
ENV_CONCURRENCY = "UPSCALE_SERVER_CONCURRENCY"
ENV_QUEUE = "UPSCALE_SERVER_QUEUE"
# Requests waiting for an image thread. A waiting request holds its upload (at most 30 MB, 1-2 MB for a
# 1 MP PNG) and no pixels: 64 of them is far past what a client of the vendor's 500 images/min needs
# in flight, and the byte bound below keeps even 64 maximal uploads from holding 2 GB.
QUEUE_DEPTH = 64
QUEUE_BYTES = 512 * 2**20  # uploads held by waiting and running requests together


class Gate:
    """A non-blocking, thread-safe count of requests doing image work (running or queued) and of the
    upload bytes they hold. A request alone is always let in, whatever its size (the body cap bounds it)."""

    def __init__(self, capacity: int, max_bytes: int = QUEUE_BYTES):
        self.capacity, self.max_bytes = capacity, max_bytes
        self.busy = self.held = self.peak = 0
        self._lock = threading.Lock()

    def try_enter(self, size: int = 0) -> bool:
        with self._lock:
            if self.busy >= self.capacity or (self.busy and self.held + size > self.max_bytes):
                return False
            self.busy += 1
            self.held += size
            self.peak = max(self.peak, self.busy)
            return True

    def leave(self, size: int = 0) -> None:
        with self._lock:
            self.busy -= 1
            self.held -= size


def exit_process() -> None:
    """The ``die_after`` fault in a server process of its own: stop answering at once."""
    log.warning("fault die_after reached: the server process exits now")
    sys.stderr.flush()
    os._exit(DIE_EXIT_CODE)


@dataclass
class ServerState:
    profile: Profile
    api_key: Secret
    faults: Faults
    concurrency: int
    gate: Gate
    answers: hooks.AnswerBox = field(default_factory=hooks.AnswerBox)  # read by the swap_in_flight fault only
    requests: int = 0  # POST /v2/edit requests received; the event loop is the only writer
    billable: int = 0  # of which answered 200: what the vendor would charge for
    received: int = 0  # every request but /health, whatever its method or path (the request log's count)
    die: Callable[[], None] = exit_process
    _limiter: anyio.CapacityLimiter | None = field(default=None, repr=False)

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        if self._limiter is None:  # created inside the running loop, whichever thread that is
            self._limiter = anyio.CapacityLimiter(self.concurrency)
        return self._limiter


class RequestLog:
    """Counts every request but /health, whatever its method or path: the server's own request log,
    against which a run's call accounting is checked (plain ASGI: the body streams through untouched)."""

    def __init__(self, app, state: ServerState):
        self.app, self.state = app, state

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] != "/health":
            self.state.received += 1
        await self.app(scope, receive, send)


def create_app(profile: str | Profile | None = "pixel-budget-2026", api_key: str | Secret | None = None,
               faults: Faults | None = None, *, concurrency: int | None = None, queue: int | None = None) -> FastAPI:
    """The reference server for ``profile``. ``api_key`` pins the one accepted key (default: any
    non-empty key); ``faults`` plants test-only misbehaviours (see :mod:`.faults`)."""
    profile = profile if isinstance(profile, Profile) else load_profile(profile)
    concurrency = max(1, concurrency or os.cpu_count() or 1)
    queue = max(0, queue if queue is not None else int(os.environ.get(ENV_QUEUE) or QUEUE_DEPTH))
    state = ServerState(profile, api_key if isinstance(api_key, Secret) else Secret(api_key),
                        faults or Faults(), concurrency, Gate(concurrency + queue))
    app = FastAPI(title="upscale-conformance reference server", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.server = state
    _install_error_handlers(app)

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok", "profile": state.profile.id, "requests": state.requests, "billable": state.billable,
                "received": state.received, "in_flight": state.gate.busy, "peak_in_flight": state.gate.peak}

    app.add_middleware(RequestLog, state=state)
    app.add_middleware(ResponseFaults, faults=state.faults)

    @app.post("/v2/edit")
    async def edit(request: Request) -> Response:
        state.requests += 1
        if hooks.should_die(state.requests, state.faults):
            state.die()
            return Response(status_code=503)  # never delivered: the connection is gone
        edit = await _parse_request(request, state)
        headers = edit.ignored_header()
        held = len(edit.image)
        if not state.gate.try_enter(held):
            raise ApiError(429, f"the server is busy; retry in {RETRY_AFTER_SECONDS} s",
                           {"Retry-After": str(RETRY_AFTER_SECONDS), **headers})
        try:
            hooks.in_flight_failure(state.gate.busy, state.faults)
            # Waiting for a thread happens here, before anything is decoded.
            out = await anyio.to_thread.run_sync(pipeline.run, edit, state.profile, state.faults,
                                                 limiter=state.limiter)
            out = hooks.answer_in_flight(out, state.gate.busy, state.answers, state.faults)
        except ApiError as exc:
            raise exc.with_headers(headers) from None
        finally:
            state.gate.leave(held)
        state.billable += 1
        return Response(out.data, media_type=out.content_type, headers=headers)

    return app


async def _parse_request(request: Request, state: ServerState) -> pipeline.EditRequest:
    """Key, content type, body, form: anything wrong here is the client's mistake, so a 4xx."""
    try:
        problem = hooks.auth_problem(auth_problem(request.headers.get("x-api-key"), state.api_key), state.faults)
        if problem:
            await discard_body(request)
            raise ApiError(state.profile.status("auth")[0], problem)
        try:
            boundary = multipart_boundary(request.headers.get("content-type"))
        except ApiError as exc:
            await discard_body(request)
            raise hooks.content_type_error(exc, request.headers.get("content-type"), state.faults) from None
        limit = state.profile.max_upload_bytes + FORM_OVERHEAD
        form = parse_form(await read_body(request, limit, pipeline.too_large(state.profile)), boundary)
        edit = pipeline.parse_edit(form, request.headers.get(MODEL_HEADER),
                                   list(request.query_params.keys()), state.profile, state.faults)
        return replace(edit, watermark=is_sandbox_key(request.headers.get("x-api-key")))
    except ApiError:
        raise
    except Exception:
        log.exception("unexpected error while parsing a request")
        raise ApiError(400, "the request could not be parsed as a multipart/form-data upscale request") from None


def auth_problem(given: str | None, pinned: Secret) -> str | None:
    """Why a key is refused, or None. The message never repeats the key."""
    if not given or not given.strip():
        return "missing API key: send it in the x-api-key header"
    if pinned and not hmac.compare_digest(given.encode(), pinned.reveal().encode()):
        return "invalid API key"
    return None


def _install_error_handlers(app: FastAPI) -> None:
    """Every answer other than 200 carries {"error": {"message": ...}}, whoever produced it."""

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> Response:
        return exc.response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(exc.status_code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> Response:
        return error_response(400, f"invalid request: {exc.errors()[:1]}")

    @app.exception_handler(Exception)
    async def server_error(_request: Request, exc: Exception) -> Response:
        # Reached only by a bug in the image work: client mistakes were turned into 4xx above.
        return error_response(500, f"internal server error ({type(exc).__name__})")


def app_from_env() -> FastAPI:
    """Factory for uvicorn worker processes: the configuration comes from the environment."""
    concurrency = os.environ.get(ENV_CONCURRENCY)
    return create_app(os.environ.get(ENV_PROFILE) or None, os.environ.get(ENV_API_KEY) or None,
                      Faults.from_env(), concurrency=int(concurrency) if concurrency else None)
