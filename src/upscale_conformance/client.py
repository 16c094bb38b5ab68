"""The client: builds requests as the vendor's curl examples do and returns typed results.

Every request goes through one :class:`Budget` shared by the run, so a run against the paid
API can never spend more calls than it announced. Retries (a connection that could not be made,
429, 503) are counted against the same budget. A request that reached the target is never repeated
because its answer timed out or broke off: on the vendor it may have been billed.

Answers are streamed and bounded (:mod:`.guard`): a 200's body may not exceed the largest answer
the contract allows, an error body 1 MiB, and the whole answer must arrive within ``timeout``
seconds; past either, the call raises :class:`AnswerTooLarge` or :class:`AnswerTimedOut` naming it.

>>> budget = Budget(2)
>>> budget.spend(); budget.spend(); budget.remaining
0
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import shlex
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from .contract import MODEL_HEADER
from .errors import AnswerTimedOut, BudgetExhausted, CreditsExhausted, RateLimited, TargetUnreachable
from .guard import AnswerBounds, Watch, decode_bounded, header, read_capped
from .guard.bounds import DEFAULT_BOUNDS
from .secret import Secret

RETRY_STATUSES = (429, 503)


class Budget:
    """A thread-safe cap on the number of requests a run may send (None: unlimited)."""

    def __init__(self, limit: int | None):
        if limit is not None and limit < 0:
            raise ValueError("budget must be zero or more")
        self.limit = limit
        self.spent = 0
        self.billable = 0
        self._lock = threading.Lock()

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else self.limit - self.spent

    def spend(self) -> None:
        with self._lock:
            if self.limit is not None and self.spent >= self.limit:
                raise BudgetExhausted(f"call budget of {self.limit} spent; no further request is sent")
            self.spent += 1

    def record_billable(self) -> None:
        with self._lock:
            self.billable += 1

    def split(self, workers: int, index: int) -> Budget:
        """This worker's share when a run is spread over ``workers`` processes."""
        if self.limit is None:
            return Budget(None)
        share = self.limit // workers + (1 if index < self.limit % workers else 0)
        return Budget(share)


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff; a Retry-After header (seconds or HTTP date) wins if larger."""

    retries: int = 3
    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int, retry_after: str | None) -> float:
        backoff = min(self.cap, self.base * (2**attempt))
        hinted = parse_retry_after(retry_after)
        return min(self.cap, max(backoff, hinted)) if hinted is not None else backoff


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header.

    >>> parse_retry_after("3")
    3.0
    >>> parse_retry_after(None) is None
    True
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


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


@dataclass
class UpscaleResult:
    """What came back: status, headers, bytes, and the decoded image or why it did not decode."""

    status: int
    headers: dict[str, str]
    content: bytes
    elapsed: float
    attempts: int = 1
    from_cache: bool = False
    request: str = ""
    curl: str = ""  # how to send the same request by hand (the key stays in the environment)
    max_pixels: int = DEFAULT_BOUNDS.answer_pixels  # a header claiming more is not decoded (guard.decoding)

    @property
    def billable(self) -> bool:
        """The vendor charges only for successful calls."""
        return self.status == 200

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @cached_property
    def error_body(self) -> Any:
        """The parsed JSON body of a non-200 answer (None if it is not JSON)."""
        if self.status == 200:
            return None
        try:
            return json.loads(self.content)
        except ValueError:
            return None

    @cached_property
    def _decoded(self) -> tuple[Image.Image | None, str | None, str | None]:
        return decode_bounded(self.content, self.max_pixels)

    @property
    def image(self) -> Image.Image | None:
        """The decoded image; None if the bytes do not decode or the header claims too many pixels."""
        return self._decoded[0]

    @property
    def decode_error(self) -> str | None:
        return self._decoded[1]

    @property
    def refused(self) -> str | None:
        """Why an image was left undecoded: its header claims more pixels than any answer may have.
        Not a decoding failure (it may be a valid image): the size check judges it."""
        return self._decoded[2]

    @cached_property
    def _header(self) -> tuple[int, int, str] | None:
        return header(self.content)  # read once: the checks ask for size and format many times

    @property
    def size(self) -> tuple[int, int] | None:
        """Width and height from the image header, without a full decode."""
        return None if self._header is None else self._header[:2]

    @property
    def format(self) -> str | None:
        """The format the bytes really are (PNG, JPEG, WEBP, AVIF), by Pillow's sniffing."""
        return None if self._header is None else self._header[2]


class ResponseCache:
    """Opt-in on-disk cache keyed by request content, so re-runs against a paid target cost nothing."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def key(self, base_url: str, request: UpscaleRequest, key: Secret) -> str:
        h = hashlib.sha256()
        h.update(base_url.rstrip("/").encode())
        h.update(json.dumps([request.form(), sorted(request.headers().items())]).encode())
        h.update(hashlib.sha256(request.image or b"<none>").digest())
        if request.raw is not None or request.params:  # only then, so a seed request's key never changes
            h.update(json.dumps(request.params).encode())
            h.update(hashlib.sha256(b"raw:" + (request.raw.content if request.raw else b"")).digest())
        h.update(request.filename.encode() + request.file_content_type.encode())
        # A fingerprint of the key, so answers for different keys (auth tests) never mix.
        h.update(hashlib.sha256(b"key:" + key.reveal().encode()).digest())
        return h.hexdigest()

    def get(self, digest: str) -> UpscaleResult | None:
        meta = self.folder / f"{digest}.json"
        body = self.folder / f"{digest}.bin"
        if not (meta.is_file() and body.is_file()):
            return None
        info = json.loads(meta.read_text())
        return UpscaleResult(info["status"], info["headers"], body.read_bytes(), info["elapsed"],
                             from_cache=True, request=info.get("request", ""))

    def put(self, digest: str, result: UpscaleResult) -> None:
        if result.status >= 500 or result.status in RETRY_STATUSES:
            return  # transient answers are never worth replaying
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{digest}.bin").write_bytes(result.content)
        info = {"status": result.status, "headers": result.headers, "elapsed": result.elapsed,
                "request": result.request}
        (self.folder / f"{digest}.json").write_text(json.dumps(info))


@dataclass
class UpscaleClient:
    """Sends :class:`UpscaleRequest` objects to one target through a shared budget.

    >>> c = UpscaleClient("http://127.0.0.1:1", Secret("sk_live_42"), Budget(0))
    >>> "sk_live_42" in repr(c)
    False
    """

    base_url: str
    api_key: Secret
    budget: Budget
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    cache: ResponseCache | None = None
    timeout: float = 120.0  # the longest wait for one whole answer, headers and body
    transport: httpx.BaseTransport | None = field(default=None, repr=False)
    sleep: Any = field(default=time.sleep, repr=False)
    bounds: AnswerBounds = DEFAULT_BOUNDS
    say: Any = field(default=None, repr=False)  # say(line): what the client is waiting for, while it waits

    def __post_init__(self) -> None:
        # Idle connections are dropped after 2 s, before common servers' keep-alive (uvicorn, node: 5 s)
        # closes them: a request sent on a connection the server is closing would break off after it was
        # sent, and such a request is not repeated.
        self._http = httpx.Client(base_url=self.base_url, transport=self.transport,
                                  timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
                                  limits=httpx.Limits(keepalive_expiry=2.0))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> UpscaleClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def upscale(self, image: bytes, mode: str = "ai.fast", **kwargs: Any) -> UpscaleResult:
        return self.send(UpscaleRequest(image=image, mode=mode, **kwargs))

    def send(self, request: UpscaleRequest) -> UpscaleResult:
        key = self.api_key if request.api_key is None else request.api_key
        digest = self.cache.key(self.base_url, request, key) if self.cache else ""
        if self.cache and (hit := self.cache.get(digest)):
            hit.max_pixels = self.bounds.answer_pixels  # replayed answers are decoded under the same bound
            return hit
        result = self._send_with_retries(request, key)
        if self.cache:
            self.cache.put(digest, result)
        return result

    def _send_with_retries(self, request: UpscaleRequest, key: Secret) -> UpscaleResult:
        headers = request.headers()
        if key:
            headers["x-api-key"] = key.reveal()
        for attempt in range(self.retry.retries + 1):
            self.budget.spend()
            started = time.perf_counter()
            try:
                status, answer_headers, content = self._exchange(request, headers, key)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # Nothing reached the target: the only transport failure worth another attempt.
                if attempt == self.retry.retries:
                    # The message names the URL and the error kind only; httpx never puts headers in it,
                    # and scrubbing guards against a future change of that.
                    raise TargetUnreachable(key.scrub(
                        f"{self.base_url} did not answer after {attempt + 1} attempt(s): "
                        f"{type(exc).__name__}: {exc}")) from None
                self.sleep(self.retry.delay(attempt, None))
                continue
            result = UpscaleResult(
                status=status,
                headers=answer_headers,
                content=content,
                elapsed=time.perf_counter() - started,
                attempts=attempt + 1,
                request=request.describe(),
                curl=request.curl(self.base_url),
                max_pixels=self.bounds.answer_pixels,
            )
            if result.status in RETRY_STATUSES and attempt < self.retry.retries:
                self.sleep(self.retry.delay(attempt, result.headers.get("retry-after")))
                continue
            if result.billable:
                self.budget.record_billable()
            if result.status in RETRY_STATUSES:
                raise RateLimited(f"{self.base_url} answered {result.status} after {attempt + 1} attempt(s)")
            if result.status == 402 and request.api_key is None:  # the run's own key is out of credits
                raise CreditsExhausted(f"{self.base_url} answered 402: the key has no credits left")
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(self, request: UpscaleRequest, headers: dict[str, str],
                  key: Secret) -> tuple[int, dict[str, str], bytes]:
        """One request and its bounded answer: status, headers, body (guard: bytes and time). A request
        with a timeout of its own (the hostile-input battery's) is held to that instead of the client's."""
        asked = f"{request.describe()} to {self.base_url}"
        seconds = self.timeout if request.timeout is None else request.timeout
        with Watch(f"the answer to {asked}", seconds, self.say) as watch:
            try:
                with self._http.stream("POST", "/v2/edit", headers=headers, **request.payload()) as response:
                    watch.attach(response)
                    status = response.status_code
                    content = read_capped(response.iter_bytes(), limit=self.bounds.body_bytes(status),
                                          deadline=watch.deadline,
                                          what=f"the {status} answer to {asked}",
                                          declared=response.headers.get("content-length"))
                    return status, {k.lower(): v for k, v in response.headers.items()}, content
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
                raise  # nothing was sent: the caller may try again
            except AnswerTimedOut as exc:  # the body was still arriving at the deadline
                raise AnswerTimedOut(f"{exc}; not repeated: it may have been billed") from None
            except httpx.TransportError as exc:
                if watch.expired or isinstance(exc, httpx.TimeoutException):
                    raise AnswerTimedOut(f"no complete answer to {asked} within {seconds:g} s "
                                         f"({type(exc).__name__}); not repeated: it may have been billed") from None
                raise TargetUnreachable(key.scrub(
                    f"the answer to {asked} broke off: {type(exc).__name__}: {exc}; not repeated: "
                    f"the request was sent and may have been billed")) from None


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
